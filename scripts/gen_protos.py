"""Generate Python code, .pyi stubs and a descriptor set from protos/ into gen/ (make proto).

Generated code is never edited by hand and not kept in git; every build makes it anew.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
THIRD_PARTY = ROOT / "third_party" / "protos"
OUT = ROOT / "gen"


def main() -> int:
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{THIRD_PARTY}",
        f"-I{well_known}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        f"--mypy_out={OUT}",
        f"--mypy_grpc_out={OUT}",
        f"--descriptor_set_out={OUT / 'loglens_descriptor.binpb'}",
        "--include_imports",
        "--include_source_info",
        *sources,
    ]
    # protoc finds the mypy plugins (protoc-gen-mypy) on PATH, beside this interpreter.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    code = protoc.main(args)
    if code != 0:
        print("protoc failed", file=sys.stderr)
        return code
    # Regular packages (not namespace packages) so that mypy and setuptools see them.
    for directory in [p for p in OUT.rglob("*") if p.is_dir()] + [OUT / "loglens"]:
        if directory != OUT and not (directory / "__init__.py").exists():
            (directory / "__init__.py").touch()
    (OUT / "loglens" / "py.typed").touch()
    (OUT / ".stamp").touch()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
