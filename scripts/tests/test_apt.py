from pathlib import Path

from pgokit_cli.apt import deb_filename, parse_policy, read_package_list

POLICY = """\
libc6:arm64:
  Installed: (none)
  Candidate: 2.36-9+deb12u14
  Version table:
     2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main arm64 Packages
libclang-rt-19-dev:arm64:
  Installed: (none)
  Candidate: 1:19.1.7-3~deb12u1
libgone:arm64:
  Installed: (none)
  Candidate: (none)
"""


def test_policy_reads_candidates_with_epochs():
    found = parse_policy(POLICY)
    assert found["libc6:arm64"] == "2.36-9+deb12u14"
    assert found["libclang-rt-19-dev:arm64"] == "1:19.1.7-3~deb12u1"


def test_policy_maps_uninstallable_to_none_and_skips_unknown():
    found = parse_policy(POLICY)
    assert found["libgone:arm64"] is None
    assert "libnever:arm64" not in found


def test_package_list_skips_comments_and_blanks(tmp_path: Path):
    f = tmp_path / "list.txt"
    f.write_text("# header\n\nclang-19\nlld-19  # the linker\n   \n")
    assert read_package_list(f) == ["clang-19", "lld-19"]


def test_deb_filename_escapes_epoch():
    assert deb_filename("libbolt-19-dev", "1:19.1.7-3~deb12u1", "arm64") == (
        "libbolt-19-dev_1%3a19.1.7-3~deb12u1_arm64.deb"
    )


def test_repo_package_lists_parse():
    root = Path(__file__).resolve().parents[2] / "toolchains"
    host = read_package_list(root / "host-packages.txt")
    sysroot = read_package_list(root / "sysroot-aarch64.packages")
    assert "clang-19" in host and "python3-click" in host
    assert "libclang-rt-19-dev" in sysroot and "libbolt-19-dev" in sysroot
