"""A stand-in for `gh`: records each call, answers the comment and issue API calls from a JSON state file.

Run as `gh api --method M -H ... PATH [--input FILE]`. State: {"comments": {"<pr>": [{"id", "body"}]},
"issues": [{"number", "title", "body", "state", "comments": [...]}], "next_id": N, "fail": [substrings]}.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def main(argv: list[str]) -> int:
    state_path = Path(os.environ["FAKE_GH_STATE"])
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    state.setdefault("comments", {})
    state.setdefault("issues", [])
    state.setdefault("next_id", 1000)
    method, path, body = "GET", "", None
    args = argv[1:]
    assert argv[0] == "api", argv
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--method", "-X"):
            method, index = args[index + 1], index + 2
        elif arg == "-H":
            index += 2
        elif arg == "--input":
            body, index = json.loads(Path(args[index + 1]).read_text()), index + 2
        else:
            path, index = arg, index + 1
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps({"method": method, "path": path, "body": body,
                              "token": os.environ.get("GH_TOKEN")}) + "\n")
    if any(part in f"{method} {path}" for part in state.get("fail", [])):
        print("HTTP 403: Resource not accessible by integration", file=sys.stderr)
        return 1
    answer = handle(state, method, path, body)
    state_path.write_text(json.dumps(state))
    print(json.dumps(answer))
    return 0


def handle(state: dict[str, Any], method: str, path: str, body: Any) -> Any:
    url = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    page, per_page = int(query.get("page", 1)), int(query.get("per_page", 30))
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", url.path):
        number = m.group(1)
        if method == "GET":
            items = state["comments"].get(number, [])
            return items[(page - 1) * per_page: page * per_page]
        comment = {"id": state["next_id"], "body": body["body"]}
        state["next_id"] += 1
        state["comments"].setdefault(number, []).append(comment)
        return comment
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", url.path):
        for items in state["comments"].values():
            for comment in items:
                if comment["id"] == int(m.group(1)):
                    comment.update(body)
                    return comment
        raise SystemExit("no such comment")
    if re.fullmatch(r"repos/[^/]+/[^/]+/issues", url.path):
        if method == "GET":
            items = [i for i in state["issues"] if i["state"] == query.get("state", "open")]
            return items[(page - 1) * per_page: page * per_page]
        issue = {"number": state["next_id"], "state": "open", **body}
        state["next_id"] += 1
        state["issues"].append(issue)
        return issue
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)", url.path):
        for issue in state["issues"]:
            if issue["number"] == int(m.group(1)):
                issue.update(body)
                return issue
        raise SystemExit("no such issue")
    raise SystemExit(f"fake gh: unexpected call {method} {path}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
