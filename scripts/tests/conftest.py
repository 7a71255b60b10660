import subprocess
import sys
from pathlib import Path

import pytest

# Import the CLI package from the checkout, as scripts/pgokit does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LLVM = Path("/usr/lib/llvm-19/bin")


@pytest.fixture(scope="module")
def raw_profiles(tmp_path_factory):
    """Two .profraw files from two runs of an instrumented C program."""
    d = tmp_path_factory.mktemp("raw")
    src = d / "hot.c"
    src.write_text("int hot(int n){int s=0;for(int i=0;i<n;i++)s+=i%7;return s;}\n"
                   "int main(int c,char**v){return hot(c*1000)&1;}\n")
    exe = d / "hot"
    subprocess.run([LLVM / "clang", "-O1", "-fprofile-instr-generate", src, "-o", exe], check=True)
    for i in range(2):
        subprocess.run([exe] + ["x"] * i, env={"LLVM_PROFILE_FILE": str(d / "hot_%m_%p.profraw")})
    files = sorted(d.glob("*.profraw"))
    assert len(files) == 2
    return d, files


