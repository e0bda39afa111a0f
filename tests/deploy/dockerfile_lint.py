#!/usr/bin/env python3
"""Lints ringkv's Dockerfile for the basics an operator relies on:
- every base image pinned: a dated Debian tag (bookworm-YYYYMMDD[-slim]) or an @sha256 digest;
- the final stage runs as a non-root USER and has a HEALTHCHECK, VOLUME /data, EXPOSE 8080;
- no secret baked in: no ENV/ARG named like a token, secret or password with a value, no
  private keys, no copied .env files; .dockerignore keeps .git, build/ and data/ out.

Usage: dockerfile_lint.py PATH/Dockerfile [PATH/.dockerignore]   Exit: 0 ok, 1 problems.
"""
import re
import sys

DIGEST = r"@sha256:[0-9a-f]{64}"
PINNED_IMAGE = re.compile(r"^[\w./-]+(%s|:[\w.-]*\d{8}[\w.-]*(%s)?)$" % (DIGEST, DIGEST))
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY)", re.I)
REQUIRED_IGNORES = (".git", "build", "data")


def instructions(text):
    """[(KEYWORD, arguments)] with line continuations joined and comments dropped."""
    result = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        if whole:
            keyword, _, arguments = whole.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def _expand(text, arguments):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                  lambda match: arguments.get(match.group(1) or match.group(2), match.group(0)),
                  text)


def _assignments(arguments):
    """'A=1 B="2"' or 'A 1' -> {A: '1', ...}; a bare 'A' -> {A: None}."""
    if "=" not in arguments.split(" ")[0]:
        name, _, value = arguments.partition(" ")
        return {name: value.strip() or None}
    return {name: value.strip('"\'') for name, value in
            re.findall(r"(\w+)=(\"[^\"]*\"|'[^']*'|\S*)", arguments)}


def _base_image_problems(steps):
    problems = []
    global_arguments = {}
    stages = set()
    seen_from = False
    for keyword, arguments in steps:
        if keyword == "ARG" and not seen_from:
            global_arguments.update({k: v or "" for k, v in _assignments(arguments).items()})
        if keyword != "FROM":
            continue
        seen_from = True
        words = arguments.split()
        image = _expand(words[0], global_arguments)
        if image.lower() not in stages and image != "scratch" and not PINNED_IMAGE.match(image):
            problems.append("base image %r is not pinned (dated tag or @sha256 digest)" % image)
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())
    return problems


def _final_stage_problems(steps):
    start = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    final = steps[start:]
    problems = []
    users = [arguments.split(":")[0] for keyword, arguments in final if keyword == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("the final stage does not switch to a non-root USER")
    health = [arguments for keyword, arguments in final if keyword == "HEALTHCHECK"]
    if not health or health[-1].upper().startswith("NONE"):
        problems.append("the final stage has no HEALTHCHECK")
    if not any(keyword == "VOLUME" and "/data" in arguments for keyword, arguments in final):
        problems.append("the final stage does not declare VOLUME /data")
    if not any(keyword == "EXPOSE" and "8080" in arguments.split() for keyword, arguments in final):
        problems.append("the final stage does not EXPOSE 8080")
    if any("build-essential" in arguments for _, arguments in final):
        problems.append("the final stage installs build tools (build them in a build stage)")
    return problems


def _secret_problems(text, steps):
    problems = []
    for keyword, arguments in steps:
        if keyword in ("ENV", "ARG"):
            for name, value in _assignments(arguments).items():
                if SECRET_NAME.search(name) and value:
                    problems.append("%s %s bakes a secret into the image" % (keyword, name))
        if keyword in ("COPY", "ADD") and re.search(r"(^|[\s/])(\.env|id_rsa|id_ed25519|\.ssh)\b",
                                                   arguments):
            problems.append("%s copies secret material: %s" % (keyword, arguments))
    if "PRIVATE KEY-----" in text:
        problems.append("the Dockerfile contains a private key")
    return problems


def _dockerignore_problems(dockerignore_text):
    entries = {line.strip().strip("/") for line in dockerignore_text.splitlines()
               if line.strip() and not line.startswith("#")}
    return [".dockerignore does not exclude %s/" % name for name in REQUIRED_IGNORES
            if name not in entries]


def problems(dockerfile_text, dockerignore_text=None):
    steps = instructions(dockerfile_text)
    if not any(keyword == "FROM" for keyword, _ in steps):
        return ["no FROM instruction"]
    found = _base_image_problems(steps) + _final_stage_problems(steps)
    found += _secret_problems(dockerfile_text, steps)
    if dockerignore_text is not None:
        found += _dockerignore_problems(dockerignore_text)
    return found


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: dockerfile_lint.py PATH/Dockerfile [PATH/.dockerignore]")
    with open(sys.argv[1], encoding="utf-8") as dockerfile:
        dockerfile_text = dockerfile.read()
    dockerignore_text = None
    if len(sys.argv) == 3:
        with open(sys.argv[2], encoding="utf-8") as dockerignore:
            dockerignore_text = dockerignore.read()
    found = problems(dockerfile_text, dockerignore_text)
    for problem in found:
        print("problem: " + problem)
    if not found:
        print("ok: %s passes the lint" % sys.argv[1])
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
