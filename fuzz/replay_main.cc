// A stand-in for libFuzzer's main in normal builds (GCC, ASan): runs LLVMFuzzerTestOneInput
// once on every file of every directory (or file) given as an argument, so the committed
// corpus replays under ctest. Exit 0 after all inputs; a failing input aborts the process.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int replay_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return 1;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t inputs = 0;
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (!std::filesystem::is_directory(arg)) {
      failures += replay_file(arg);
      ++inputs;
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) failures += replay_file(file);
    inputs += files.size();
  }
  if (inputs == 0) {
    std::fprintf(stderr, "replay: no inputs given (usage: replay_<target> DIR_OR_FILE...)\n");
    return 1;
  }
  std::printf("replay: %zu inputs, %d unreadable\n", inputs, failures);
  return failures == 0 ? 0 : 1;
}
