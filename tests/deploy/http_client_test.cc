// HttpClient (the one blocking client of kvctl, tools and tests) against a scripted
// loopback server (127.0.0.1, ephemeral port): keep-alive reuse, a retry when the server
// dropped an idle connection, deadlines, malformed responses and refused connections.
#include "runtime/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/wire/http_writer.h"

namespace ringkv::runtime {
namespace {

constexpr int kTestTimeoutMs = 3000;

// What the server does on one accepted connection: read a request, then answer (or not).
using ConnectionScript = std::function<void(int connection_fd)>;

// Reads until the end of one request head (bodies are not used by these tests).
bool read_request_head(int connection_fd) {
  std::string head;
  char byte = 0;
  while (head.size() < 64 * 1024 && head.find("\r\n\r\n") == std::string::npos) {
    if (::recv(connection_fd, &byte, 1, 0) != 1) return false;
    head += byte;
  }
  return true;
}

void send_text(int connection_fd, const std::string& text) {
  ASSERT_EQ(::send(connection_fd, text.data(), text.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(text.size()));
}

const std::string kOkResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Accepts one connection per script, in order, on a thread; joins on destruction.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<ConnectionScript> scripts) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    RINGKV_ASSERT(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    RINGKV_ASSERT(::listen(listen_fd_, 8) == 0);
    RINGKV_ASSERT(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, scripts = std::move(scripts)] {
      for (const ConnectionScript& script : scripts) {
        const int connection_fd = ::accept(listen_fd_, nullptr, nullptr);
        if (connection_fd < 0) return;
        accepted_.fetch_add(1);
        script(connection_fd);
        ::close(connection_fd);
      }
    });
  }
  ~ScriptedServer() {
    thread_.join();
    ::close(listen_fd_);
  }

  HostPort address() const { return HostPort{"127.0.0.1", port_}; }
  int accepted() const { return accepted_.load(); }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

HttpClientOptions short_timeouts() {
  HttpClientOptions options;
  options.connect_timeout_ms = kTestTimeoutMs;
  options.request_timeout_ms = kTestTimeoutMs;
  return options;
}

wire::HttpRequest health_request() { return wire::make_request("GET", "/health", "test"); }

TEST(HttpClient, ReusesOneKeptAliveConnection) {
  ScriptedServer server({[](int fd) {
    for (int request = 0; request < 2; ++request) {
      if (!read_request_head(fd)) return;
      send_text(fd, kOkResponse);
    }
  }});
  HttpClient client(server.address(), short_timeouts());
  for (int request = 0; request < 2; ++request) {
    Result<wire::HttpResponse> response = client.send(health_request());
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "ok");
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, RetriesOnceWhenTheServerDroppedTheIdleConnection) {
  const ConnectionScript answer_once = [](int fd) {
    if (read_request_head(fd)) send_text(fd, kOkResponse);
  };
  ScriptedServer server({answer_once, answer_once});
  HttpClient client(server.address(), short_timeouts());
  ASSERT_TRUE(client.send(health_request()).ok());
  Result<wire::HttpResponse> second = client.send(health_request());
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClient, ASilentServerIsATimeout) {
  ScriptedServer server({[](int fd) {
    read_request_head(fd);
    char byte = 0;
    (void)::recv(fd, &byte, 1, 0);  // until the client gives up and closes
  }});
  HttpClientOptions options = short_timeouts();
  options.request_timeout_ms = 200;
  HttpClient client(server.address(), options);
  Result<wire::HttpResponse> response = client.send(health_request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kTimeout);
}

TEST(HttpClient, AMalformedResponseIsCorruption) {
  ScriptedServer server({[](int fd) {
    if (read_request_head(fd)) send_text(fd, "HTTP/1.1 abc\r\n\r\n");
  }});
  HttpClient client(server.address(), short_timeouts());
  Result<wire::HttpResponse> response = client.send(health_request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kCorruption);
}

TEST(HttpClient, AResponseCutShortIsAnError) {
  ScriptedServer server({[](int fd) {
    if (read_request_head(fd)) send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok");
  }});
  HttpClient client(server.address(), short_timeouts());
  Result<wire::HttpResponse> response = client.send(health_request());
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.status().code(), StatusCode::kUnavailable);
}

TEST(HttpClient, NobodyListeningIsUnavailable) {
  HostPort closed_port;
  {
    ScriptedServer server({});  // binds a free port, then closes it
    closed_port = server.address();
  }
  HttpClient client(closed_port, short_timeouts());
  Result<wire::HttpResponse> response = client.send(health_request());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("cannot connect"), std::string::npos);
}

}  // namespace
}  // namespace ringkv::runtime
