"""A local Hugging Face Hub for tests: the HTTP endpoints ``huggingface_hub``, ``transformers``
and ``datasets`` call, served from memory on 127.0.0.1 in a thread.

No maintained package fits: the tests need faults on demand (a gated repository, a truncated
download, the server gone) and repositories built at fixture time; the one PyPI package that
serves a local hub (``hf-local-hub``) stores repositories on disk through its own client and
injects no faults. The endpoints, read from the client code of huggingface_hub 2.4 /
datasets 5.2 (``file_download.get_hf_file_metadata``, ``hf_api.{model,dataset}_info``,
``list_repo_tree``, ``get_paths_info``, ``_commit_api``):

* ``GET /api/{models,datasets}/{repo}[/revision/{rev}]``: repository info (``sha``, ``siblings``)
* ``HEAD|GET /[datasets/]{repo}/resolve/{rev}/{path}``: a file, with ``X-Repo-Commit``,
  ``ETag`` (``X-Linked-Etag`` and ``X-Linked-Size`` for LFS files), ``Content-Length``
* ``GET /api/{type}s/{repo}/tree/{rev}[/{path}]`` and ``POST .../paths-info/{rev}``
* ``POST /api/repos/create``, ``POST /api/validate-yaml``, ``POST .../preupload/{rev}``
  (every file ``regular``: sent inline) and ``POST .../commit/{rev}`` (NDJSON)

Errors as the real hub answers them: an unknown repository 401 ``X-Error-Code: RepoNotFound``
(the hub hides whether it exists), a gated one 401 ``GatedRepo``, a missing file 404
``EntryNotFound``, an unknown revision 404 ``RevisionNotFound``.

    with HubServer() as hub:
        hub.add_repo("model", "google/bert_uncased_L-2_H-128_A-2", {"config.json": b"{}"})
        os.environ["HF_ENDPOINT"] = hub.url
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".bin", ".safetensors", ".parquet", ".onnx", ".h5", ".msgpack", ".pt")
"""Files the real repositories store in LFS (their ``.gitattributes``)."""


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """One repository: its commits (oldest first), each a full file tree."""

    repo_type: str
    repo_id: str
    commits: list[tuple[str, dict[str, bytes]]] = field(default_factory=list)
    gated: bool = False

    def commit(self, files: dict[str, bytes]) -> str:
        parent = self.commits[-1][0] if self.commits else ""
        digest = hashlib.sha1(parent.encode())
        for path in sorted(files):
            digest.update(f"{path}\0{git_blob_sha(files[path])}\0".encode())
        sha = digest.hexdigest()
        self.commits.append((sha, dict(files)))
        return sha

    @property
    def sha(self) -> str:
        return self.commits[-1][0]

    def at(self, revision: str) -> tuple[str, dict[str, bytes]] | None:
        if revision in ("main", "refs/heads/main"):
            return self.commits[-1] if self.commits else None
        return next((c for c in self.commits if c[0] == revision), None)


def _entry(path: str, data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "file",
        "oid": git_blob_sha(data),
        "size": len(data),
        "path": path,
    }
    if path.endswith(LFS_SUFFIXES):
        out["lfs"] = {
            "oid": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "pointerSize": 134,
        }
    return out


class HubServer:
    """The server; ``faults`` and ``requests`` are read and set by tests while it runs.

    Attributes:
        truncate: ``(repo_id, path)`` pairs whose GET sends half the file, then closes.
        requests: ``"METHOD path"`` of every request, in order.
        stamps: the ``time.monotonic()`` of each of :attr:`requests`.
    """

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], Repo] = {}
        self.truncate: set[tuple[str, str]] = set()
        self.requests: list[str] = []
        self.stamps: list[float] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---------------------------------------------------------------- repositories
    def add_repo(
        self, repo_type: str, repo_id: str, files: dict[str, bytes], *, gated: bool = False
    ) -> str:
        """Add (or add a commit to) a repository; returns the new commit sha."""
        repo = self.repos.setdefault((repo_type, repo_id), Repo(repo_type, repo_id))
        repo.gated = gated
        return repo.commit(files)

    def repo(self, repo_type: str, repo_id: str) -> Repo:
        return self.repos[(repo_type, repo_id)]

    # ---------------------------------------------------------------- life cycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HubServer:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (a later :meth:`start` takes the same port)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_API_ACTIONS = ("revision", "tree", "paths-info", "preupload", "commit")


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    # ---------------------------------------------------------------- replies
    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        content_type: str = "application/json",
        head: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), headers)

    def _error(self, status: int, code: str, message: str, head: bool = False) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message}
        self._send(status, json.dumps({"error": message}).encode(), headers, head=head)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    # ---------------------------------------------------------------- routing
    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        self.hub.requests.append(f"{method} {path}")
        self.hub.stamps.append(time.monotonic())
        query = parse_qs(url.query)
        if path == "/api/validate-yaml":
            self._body()
            return self._json(200, {"errors": [], "warnings": []})
        if path == "/api/repos/create":
            return self._create(json.loads(self._body() or b"{}"))
        if path.startswith("/api/models/") or path.startswith("/api/datasets/"):
            kind, _, rest = path[len("/api/") :].partition("/")
            return self._api(method, kind[:-1], rest, query)
        repo_type, rest = "model", path.lstrip("/")
        if rest.startswith("datasets/"):
            repo_type, rest = "dataset", rest[len("datasets/") :]
        repo_id, sep, tail = rest.partition("/resolve/")
        if sep:
            revision, _, file = tail.partition("/")
            return self._resolve(method, repo_type, repo_id, revision, file)
        self._error(404, "NotFound", f"no route for {method} {path}", head=method == "HEAD")

    def _find(self, repo_type: str, repo_id: str, revision: str, head: bool = False):
        repo = self.hub.repos.get((repo_type, repo_id))
        if repo is None:
            self._error(401, "RepoNotFound", "Repository not found", head=head)
            return None
        if repo.gated:
            msg = (
                f"Access to {repo_type} {repo_id} is restricted. You must have access to it "
                "and be authenticated to access it. Please log in."
            )
            self._error(401, "GatedRepo", msg, head=head)
            return None
        found = repo.at(revision)
        if found is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}", head=head)
            return None
        return repo, found

    def _resolve(self, method: str, repo_type: str, repo_id: str, rev: str, file: str) -> None:
        head = method == "HEAD"
        found = self._find(repo_type, repo_id, rev, head=head)
        if found is None:
            return
        _, (sha, files) = found
        if file not in files:
            headers = {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": sha}
            headers["X-Error-Message"] = "Entry not found"
            return self._send(404, b'{"error": "Entry not found"}', headers, head=head)
        data = files[file]
        headers = {"X-Repo-Commit": sha, "ETag": f'"{git_blob_sha(data)}"', "Accept-Ranges": "none"}
        if file.endswith(LFS_SUFFIXES):
            headers["X-Linked-Etag"] = f'"{hashlib.sha256(data).hexdigest()}"'
            headers["X-Linked-Size"] = str(len(data))
        if head or (repo_id, file) not in self.hub.truncate:
            return self._send(
                200, data, headers, content_type="application/octet-stream", head=head
            )
        # a download cut off half-way: the promised length, half the bytes, then the socket closes
        self.send_response(200)
        for key, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _api(self, method: str, repo_type: str, rest: str, query: dict[str, list[str]]) -> None:
        repo_id, action, arg = rest, "info", "main"
        for name in _API_ACTIONS:
            head, sep, tail = rest.partition(f"/{name}/")
            if sep:
                repo_id, action, arg = head, name, tail
                break
        if action == "commit" and method == "POST":
            return self._commit(repo_type, repo_id, arg)
        if action == "preupload" and method == "POST":
            files = json.loads(self._body())["files"]
            modes = [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
            ]
            return self._json(200, {"files": modes, "commitOid": None})
        revision, _, sub = arg.partition("/") if action == "tree" else (arg, "", "")
        body = self._body() if method == "POST" else b""
        found = self._find(repo_type, repo_id, revision)
        if found is None:
            return
        repo, (sha, files) = found
        if action in ("info", "revision"):
            siblings = [{"rfilename": p, "size": len(d)} for p, d in sorted(files.items())]
            info = {
                "_id": sha[:24],
                "id": repo_id,
                "modelId": repo_id,
                "author": repo_id.partition("/")[0] if "/" in repo_id else None,
                "sha": sha,
                "lastModified": "2024-01-01T00:00:00.000Z",
                "private": False,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "siblings": siblings,
                "cardData": {},
            }
            return self._json(200, info)
        if action == "tree":
            return self._json(200, _tree(files, sub.strip("/"), "recursive" in query))
        if action == "paths-info":
            asked = parse_qs(body.decode()).get("paths", [])
            if not asked and body.startswith(b"{"):
                asked = json.loads(body).get("paths", [])
            out = []
            for p in asked:
                p = p.strip("/")
                if p in files:
                    out.append(_entry(p, files[p]))
                elif any(f.startswith(p + "/") for f in files):
                    out.append({"type": "directory", "oid": sha, "size": 0, "path": p})
            return self._json(200, out)
        self._error(404, "NotFound", f"no route for {method} {rest}")

    def _create(self, body: dict[str, Any]) -> None:
        repo_type = body.get("type") or "model"
        name = body["name"]
        repo_id = f"{body['organization']}/{name}" if body.get("organization") else name
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = {"url": f"{self.hub.url}/{prefix}{repo_id}", "name": repo_id, "id": repo_id}
        if (repo_type, repo_id) in self.hub.repos:
            return self._json(409, {"error": "You already created this repo", **url})
        repo = Repo(repo_type, repo_id)
        repo.commit({".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"})
        self.hub.repos[(repo_type, repo_id)] = repo
        self._json(200, url)

    def _commit(self, repo_type: str, repo_id: str, revision: str) -> None:
        lines = [json.loads(x) for x in self._body().splitlines() if x.strip()]
        found = self._find(repo_type, repo_id, revision)
        if found is None:
            return
        repo, (_, files) = found
        files = dict(files)
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key != "header":
                return self._error(400, "BadRequest", f"commit operation {key!r} not served")
        sha = repo.commit(files)
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = f"{self.hub.url}/{prefix}{repo_id}/commit/{sha}"
        self._json(200, {"commitUrl": url, "commitOid": sha, "success": True})


def _tree(files: dict[str, bytes], folder: str, recursive: bool) -> list[dict[str, Any]]:
    """The entries under ``folder`` ("" for the root), as the hub's tree listing gives them."""
    prefix = folder + "/" if folder else ""
    out: dict[str, dict[str, Any]] = {}
    for path, data in sorted(files.items()):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts)):
            sub = prefix + "/".join(parts[:depth])
            if recursive or depth == 1:
                out.setdefault(
                    sub,
                    {
                        "type": "directory",
                        "oid": git_blob_sha(sub.encode()),
                        "size": 0,
                        "path": sub,
                    },
                )
        if recursive or len(parts) == 1:
            out[path] = _entry(path, data)
    return list(out.values())
