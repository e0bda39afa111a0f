"""Which targets each CMake configure preset builds, read from the CMake files.

tools/docs-examples uses it to check the build/<preset>/<dir>/<target> paths that the
documents name. Not a CMake implementation: it follows set, option, foreach, function,
add_subdirectory, return and if on a plain variable (RINGKV_TESTS, RINGKV_FUZZ, ... from
the preset's cacheVariables or the option defaults); any other if() condition counts as
possibly true, so a target that exists only with an optional library (storage_bench)
still counts as a target of the preset.
"""

import json
import os
import re


class CMakeError(Exception):
    """A CMake file this reader cannot follow."""


def cmake_commands(path):
    """The commands of a CMake file as (name, [arguments]), comments and quotes handled."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    commands, position = [], 0
    command_start = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")
    while position < len(text):
        if text[position] == "#":
            position = text.find("\n", position)
            position = len(text) if position < 0 else position
            continue
        match = command_start.match(text, position)
        if not match:
            position += 1
            continue
        position, depth, arguments, token, quoted = match.end(), 1, [], "", False
        while depth:
            char = text[position]
            position += 1
            if quoted:
                if char == "\\":
                    token += text[position]
                    position += 1
                elif char == '"':
                    quoted = False
                else:
                    token += char
                continue
            if char == '"':
                quoted = True
                continue
            if char == "#":
                position = text.find("\n", position)
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if not depth:
                    break
            if char.isspace():
                if token:
                    arguments.append(token)
                token = ""
            else:
                token += char
        if token:
            arguments.append(token)
        commands.append((match.group(1).lower(), arguments))
    return commands


class CMakeReader:
    """Walks the CMake files for one preset and records the targets each directory defines.

    Knows set, option, foreach, function, if on plain variables (other conditions count as
    possibly true, so both branches are read), add_subdirectory and return."""

    def __init__(self, source_dir, cache_variables):
        self.source_dir = source_dir
        self.cache = {name: str(value) for name, value in cache_variables.items()}
        self.functions = {}
        self.targets = {}  # directory relative to the source dir -> set of target names

    def expand(self, text, variables):
        for _ in range(8):
            expanded = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), ""), text)
            if expanded == text:
                break
            text = expanded
        return text

    def expand_arguments(self, arguments, variables):
        values = []
        for argument in arguments:
            values += [part for part in self.expand(argument, variables).split(";") if part]
        return values

    def truth(self, arguments, variables):
        """True, False or None (unknown) for an if() condition."""
        negate = arguments[:1] == ["NOT"]
        rest = arguments[1:] if negate else arguments
        if len(rest) != 1 or not re.fullmatch(r"\w+", rest[0]) or rest[0] not in variables:
            return None
        value = variables[rest[0]].upper()
        known = value not in ("", "0", "OFF", "NO", "FALSE", "N", "IGNORE") and \
            not value.endswith("NOTFOUND")
        return known != negate

    def read_directory(self, directory, variables):
        source = os.path.join(self.source_dir, directory)
        variables = dict(variables, CMAKE_CURRENT_SOURCE_DIR=source)
        path = os.path.join(source, "CMakeLists.txt")
        self.run(cmake_commands(path), directory, variables)

    def run(self, commands, directory, variables):
        """Runs commands; returns False after return()."""
        index = 0
        while index < len(commands):
            name, arguments = commands[index]
            if name in ("foreach", "function", "if"):
                end = self.block_end(commands, index)
                body = commands[index + 1:end]
                if name == "function":
                    self.functions[arguments[0].lower()] = (arguments[1:], body)
                elif name == "foreach":
                    loop_variable, values = arguments[0], self.expand_arguments(
                        arguments[1:], variables)
                    for value in values:
                        variables[loop_variable] = value
                        if not self.run(body, directory, variables):
                            return False
                elif not self.run_if(arguments, body, directory, variables):
                    return False
                index = end + 1
                continue
            values = self.expand_arguments(arguments, variables)
            if name == "return":
                return False
            if name == "set" and values:
                variables[values[0]] = ";".join(values[1:])
            elif name == "option" and values:
                variables[values[0]] = self.cache.get(values[0], values[-1])
            elif name in ("add_executable", "add_library", "add_custom_target") and values:
                self.targets.setdefault(directory, set()).add(values[0])
            elif name == "add_subdirectory" and values:
                self.read_directory(os.path.normpath(os.path.join(directory, values[0])),
                                    variables)
            elif name in self.functions:
                parameters, body = self.functions[name]
                local = dict(variables, ARGN=";".join(values[len(parameters):]))
                local.update(zip(parameters, values))
                self.run(body, directory, local)
            index += 1
        return True

    def run_if(self, arguments, body, directory, variables):
        """if/elseif/else: a known branch alone, or every branch when the condition is unknown."""
        branches, condition, start, depth = [], arguments, 0, 0
        for position, (name, branch_arguments) in enumerate(body):
            if name in ("if", "foreach", "function"):
                depth += 1
            elif name in ("endif", "endforeach", "endfunction"):
                depth -= 1
            elif depth == 0 and name in ("elseif", "else"):
                branches.append((condition, body[start:position]))
                condition, start = (branch_arguments if name == "elseif" else []), position + 1
        branches.append((condition, body[start:]))
        for branch_condition, branch in branches:
            truth = True if not branch_condition else self.truth(branch_condition, variables)
            if truth is False:
                continue
            if not self.run(branch, directory, variables):
                return truth is None  # a return() in a branch that may not run
            if truth:
                break
        return True

    @staticmethod
    def block_end(commands, start):
        opener = commands[start][0]
        closer, depth = "end" + opener, 0
        for position in range(start, len(commands)):
            if commands[position][0] == opener:
                depth += 1
            elif commands[position][0] == closer:
                depth -= 1
                if depth == 0:
                    return position
        raise CMakeError(f"CMake: {opener}() at command {start} is never closed")


def preset_targets(source_dir):
    """{preset name: {directory: {targets}}} for every configure preset."""
    with open(os.path.join(source_dir, "CMakePresets.json"), encoding="utf-8") as file:
        presets = json.load(file)["configurePresets"]
    result = {}
    for preset in presets:
        binary_dir = preset.get("binaryDir", "")
        if not binary_dir.startswith("${sourceDir}/build/"):
            continue
        reader = CMakeReader(source_dir, preset.get("cacheVariables", {}))
        reader.read_directory(".", {"PROJECT_SOURCE_DIR": source_dir})
        result[binary_dir[len("${sourceDir}/build/"):]] = reader.targets
    return result


BUILD_PATH = re.compile(r"\bbuild/([\w-]+)/([\w./<>*-]*[\w>*])")


def path_problem(presets, preset, rest):
    """Why build/<preset>/<rest> names no target of that preset, or None when it does.
    `<...>` and `*` in the name match any text (`fuzz_<target>`)."""
    if preset not in presets:
        return f"no configure preset '{preset}' (CMakePresets.json: {', '.join(presets)})"
    directory, _, target = rest.rpartition("/")
    directory = directory or "."
    targets = presets[preset].get(directory)
    if targets is None:
        return f"the {preset} preset builds nothing in {directory}/"
    pattern = re.compile(re.sub(r"<[^>]*>|\\\*", ".+", re.escape(target)))
    if not any(pattern.fullmatch(name) for name in targets):
        return (f"no target '{target}' in {directory}/ in the {preset} preset "
                f"(it has: {', '.join(sorted(targets))})")
    return None
