"""The .note.pgokit ELF note: which stages, profile, toolchain and source a
shipped binary came from. The validator reads it back and checks it."""

import json
import struct
import tempfile
from pathlib import Path

from pgokit_cli.runner import Runner

SECTION = ".note.pgokit"
OWNER = b"pgokit\0"
NT_PGOKIT_PROVENANCE = 1
FORMAT = 1


def note_bytes(record: dict, byteorder: str = "<") -> bytes:
    """An ELF note (namesz, descsz, type, name, desc; 4-byte padded) holding record as JSON."""
    desc = json.dumps({"format": FORMAT, **record}, sort_keys=True, separators=(",", ":")).encode()

    def pad(b: bytes) -> bytes:
        return b + b"\0" * (-len(b) % 4)

    return struct.pack(f"{byteorder}III", len(OWNER), len(desc), NT_PGOKIT_PROVENANCE) + pad(OWNER) + pad(desc)


def embed(runner: Runner, llvm_root: Path, binary: Path, output: Path, record: dict) -> None:
    """Copies binary to output with the provenance note added (a non-loaded section)."""
    with tempfile.TemporaryDirectory() as tmp:
        note = Path(tmp) / "note.bin"
        note.write_bytes(note_bytes(record))
        runner.run([llvm_root / "bin" / "llvm-objcopy",
                    "--add-section", f"{SECTION}={note}",
                    "--set-section-alignment", f"{SECTION}=4",
                    binary, output])
