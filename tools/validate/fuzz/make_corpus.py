#!/usr/bin/env python3
"""Regenerates pgokit-validate's corpus of crafted inputs in corpus/: a small
valid ELF and profile (the fuzzer's seeds) and one bad file per way an input
can be broken. The test suite runs every file through the sanitized fuzzer
target (no crash) and through the command (exit 3, a message naming the file).

    make_corpus.py [--llvm-profdata /usr/lib/llvm-19/bin/llvm-profdata]

File names say what the file is for: elf-* are binaries, profile-* are
--profile inputs, manifest-* are --manifest inputs. The ELF writer below is a
test-data generator (the validator itself reads ELF only through LLVM).
"""

import argparse
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

EHDR, PHDR, SHDR, SYM = 64, 56, 64, 24
ET_DYN, EM_X86_64 = 3, 62
PT_LOAD, PT_INTERP, PT_NOTE = 1, 3, 4
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOTE = 1, 2, 3, 7
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
STT_NOTYPE, STT_OBJECT, STT_FUNC, STB_GLOBAL = 0, 1, 2, 1

PROVENANCE = {"format": 1, "target": "corpus", "arch": "x86_64",
              "stages": ["instrumented", "trained", "pgo", "thinlto"],
              "profile_sha256": "0" * 64, "text_profile_sha256": "1" * 64}

TEXT_PROFILE = """_Z8scramblej
# Func Hash:
24
# Num Counters:
1
# Counter Values:
512000

main
# Func Hash:
1234
# Num Counters:
3
# Counter Values:
1
2000
512000

"""


def note(owner: bytes, kind: int, desc: bytes, descsz: int | None = None) -> bytes:
    def pad(b: bytes) -> bytes:
        return b + b"\0" * (-len(b) % 4)
    size = len(desc) if descsz is None else descsz
    return struct.pack("<III", len(owner) + 1, size, kind) + pad(owner + b"\0") + pad(desc)


class Elf:
    """A minimal x86_64 PIE-shaped ELF: .interp, a build-id note, .text,
    .text.hot, a provenance note, .symtab/.strtab/.shstrtab; PT_LOAD, PT_INTERP,
    PT_NOTE. `fields` records where the headers landed, for the mutations."""

    def __init__(self, pgokit_note: bytes | None = None, extra_sections=(), extra_symbols=()):
        self.sections = [
            (".interp", SHT_PROGBITS, SHF_ALLOC, b"/lib64/ld-linux-x86-64.so.2\0", 1),
            (".note.gnu.build-id", SHT_NOTE, SHF_ALLOC, note(b"GNU", 3, bytes(range(20))), 4),
            (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, b"\xc3" * 32, 16),
            (".text.hot", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, b"\xc3" * 16, 16),
            (".note.pgokit", SHT_NOTE, 0,
             pgokit_note or note(b"pgokit", 1, json.dumps(PROVENANCE).encode()), 4),
            *extra_sections,
        ]
        # (name, section, offset in it, size, type)
        self.symbols = [("main", ".text", 0, 32, STT_FUNC),
                        ("_Z8scramblej", ".text.hot", 0, 16, STT_FUNC),
                        *extra_symbols]
        self.fields = {}

    def build(self) -> bytearray:
        names = b"\0"
        name_at = {}
        for name in [s[0] for s in self.sections] + [".symtab", ".strtab", ".shstrtab"]:
            name_at[name] = len(names)
            names += name.encode() + b"\0"
        phnum = 3
        offset = EHDR + phnum * PHDR
        out = bytearray(offset)
        placed = {}
        for name, kind, flags, data, align in self.sections:
            offset += -offset % align
            out += b"\0" * (offset - len(out))
            placed[name] = (offset, len(data))
            out += data
            offset = len(out)
        # Symbols: null, then each one at its section's start.
        strtab = b"\0"
        symtab = bytes(SYM)
        index = {name: i + 1 for i, (name, *_rest) in enumerate(self.sections)}
        for name, section, value, size, kind in self.symbols:
            sym_name = len(strtab)
            strtab += name.encode() + b"\0"
            address = placed[section][0] + value
            symtab += struct.pack("<IBBHQQ", sym_name, (STB_GLOBAL << 4) | kind, 0,
                                  index[section], address, size)
        for name, data, align in ((".symtab", symtab, 8), (".strtab", strtab, 1),
                                  (".shstrtab", names, 1)):
            offset += -offset % align
            out += b"\0" * (offset - len(out))
            placed[name] = (offset, len(data))
            out += data
            offset = len(out)
        offset += -offset % 8
        out += b"\0" * (offset - len(out))
        shoff = offset
        shdrs = [bytes(SHDR)]
        all_sections = [(n, k, f, a) for n, k, f, _d, a in self.sections]
        all_sections += [(".symtab", SHT_SYMTAB, 0, 8), (".strtab", SHT_STRTAB, 0, 1),
                         (".shstrtab", SHT_STRTAB, 0, 1)]
        for i, (name, kind, flags, align) in enumerate(all_sections, start=1):
            at, size = placed[name]
            link = info = entsize = 0
            if kind == SHT_SYMTAB:
                link, info, entsize = len(all_sections) - 1, 1, SYM  # .strtab
            address = at if flags & SHF_ALLOC else 0
            self.fields[f"shdr {name}"] = shoff + i * SHDR
            shdrs.append(struct.pack("<IIQQQQIIQQ", name_at[name], kind, flags, address, at, size,
                                     link, info, align, entsize))
        out += b"".join(shdrs)
        self.fields["sections"] = placed
        interp_at, interp_size = placed[".interp"]
        note_at, note_size = placed[".note.gnu.build-id"]
        phdrs = [
            struct.pack("<IIQQQQQQ", PT_LOAD, 5, 0, 0, 0, len(out), len(out), 0x1000),
            struct.pack("<IIQQQQQQ", PT_INTERP, 4, interp_at, interp_at, interp_at,
                        interp_size, interp_size, 1),
            struct.pack("<IIQQQQQQ", PT_NOTE, 4, note_at, note_at, note_at, note_size,
                        note_size, 4),
        ]
        self.fields["phdr interp"] = EHDR + PHDR
        out[EHDR:EHDR + phnum * PHDR] = b"".join(phdrs)
        ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
        out[0:EHDR] = ident + struct.pack(
            "<HHIQQQIHHHHHH", ET_DYN, EM_X86_64, 1, placed[".text"][0], EHDR, shoff, 0, EHDR,
            PHDR, phnum, SHDR, len(all_sections) + 1, len(all_sections))
        return out


def patch(data: bytearray, at: int, fmt: str, *values) -> bytearray:
    data = bytearray(data)
    struct.pack_into(fmt, data, at, *values)
    return data


def elf_files() -> dict:
    elf = Elf()
    good = elf.build()
    f = elf.fields
    shdr = lambda name: f[f"shdr {name}"]  # noqa: E731
    note_at = f["sections"][".note.pgokit"][0]
    bolted = Elf(extra_sections=[(".note.bolt_info", SHT_NOTE, 0, note(
        b"GNU", 4, b"BOLT revision: <unknown>, command line: llvm-bolt a.out -o a.bolt "
        b"-data=a.fdata -reorder-functions=cdsort --bolt-id=corpus"), 4)],
        extra_symbols=[("__hot_start", ".text.hot", 0, 0, STT_NOTYPE),
                       ("__hot_end", ".text.hot", 16, 0, STT_NOTYPE)]).build()
    instrumented = Elf(extra_sections=[("__llvm_prf_cnts", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
                                        bytes(16), 8)],
                       extra_symbols=[("__llvm_profile_runtime", "__llvm_prf_cnts", 0, 4,
                                       STT_OBJECT)]).build()
    # No section headers at all (notes only in PT_NOTE), as sstrip leaves a binary.
    headerless = patch(patch(good, 0x28, "<Q", 0), 0x3c, "<HH", 0, 0)
    files = {
        # Seeds: valid files the fuzzer starts from (and the command reads).
        "elf-minimal-x86_64": good,
        "elf-minimal-bolted-x86_64": bolted,
        "elf-minimal-instrumented-x86_64": instrumented,
        "elf-minimal-headerless-x86_64": headerless,
        # Broken ones.
        "elf-empty": bytearray(),
        "elf-not-elf": bytearray(b"#!/bin/sh\necho this is a script, not a binary\n"),
        "elf-wrong-magic": patch(good, 0, "4s", b"\x7fELG"),
        "elf-32bit": patch(good, 4, "B", 1),
        "elf-big-endian": patch(good, 5, "B", 2),
        "elf-bad-class": patch(good, 4, "B", 7),
        "elf-truncated-header": good[:40],
        "elf-truncated-sections": good[:len(good) - 100],
        # e_shoff far past the end of the file.
        "elf-shoff-out-of-bounds": patch(good, 0x28, "<Q", 0x7fff_ffff_0000),
        # e_shnum claims 65535 section headers.
        "elf-huge-shnum": patch(good, 0x3c, "<H", 0xffff),
        # e_phnum claims 65535 program headers.
        "elf-huge-phnum": patch(good, 0x38, "<H", 0xffff),
        # e_shstrndx names a section that does not exist.
        "elf-shstrndx-out-of-range": patch(good, 0x3e, "<H", 200),
        # The provenance note says its descriptor is 4 GiB.
        "elf-lying-note-size": patch(good, note_at + 4, "<I", 0xffff_fff0),
        # The provenance note section's data lies past the end of the file.
        "elf-note-out-of-bounds": patch(good, shdr(".note.pgokit") + 0x18, "<Q", 0x10_0000_0000),
        # The build-id note section's size wraps offset + size around 2^64
        # (found by the fuzzer: LLVM 19's own check overflows).
        "elf-note-size-wraps": patch(good, shdr(".note.gnu.build-id") + 0x20, "<Q",
                                     0xffff_ffff_ffff_ffdf),
        # PT_INTERP's data lies past the end of the file.
        "elf-interp-out-of-bounds": patch(good, f["phdr interp"] + 8, "<Q", 0x10_0000_0000),
        # .symtab's sh_link names a section that does not exist.
        "elf-symtab-bad-link": patch(good, shdr(".symtab") + 0x28, "<I", 99),
        # .symtab's size is not a whole number of symbols.
        "elf-symtab-ragged-size": patch(good, shdr(".symtab") + 0x20, "<Q", SYM * 3 - 5),
        # .symtab claims 2^40 bytes of symbols.
        "elf-symtab-huge-size": patch(good, shdr(".symtab") + 0x20, "<Q", 1 << 40),
    }
    # A symbol whose name offset lies far outside .strtab.
    symtab_at = f["sections"][".symtab"][0]
    files["elf-symbol-name-out-of-bounds"] = patch(good, symtab_at + SYM, "<I", 0x7fff_ffff)
    return files


def profile_files(llvm_profdata: Path) -> dict:
    def counters(declared: str) -> bytes:
        """The minimal profile with its first record's counter count replaced."""
        declaring = f"# Num Counters:\n{declared}"
        return TEXT_PROFILE.replace("# Num Counters:\n1", declaring, 1).encode()

    files = {
        "profile-minimal.proftext": TEXT_PROFILE.encode(),
        "profile-empty.profdata": b"",
        # Neither an indexed, raw nor text profile.
        "profile-binary-garbage.profdata": bytes(range(256)) * 4,
        # A record whose counter count is not a number.
        "profile-bad-counters.proftext": counters("many"),
        # Cut in the middle of a record.
        "profile-truncated.proftext":
            TEXT_PROFILE[:TEXT_PROFILE.index("3\n# Counter Values:") + 20].encode(),
        # A record that claims more counters than it has.
        "profile-huge-counters.proftext": counters("99999999999"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "p.proftext"
        text.write_text(TEXT_PROFILE)
        indexed = Path(tmp) / "p.profdata"
        subprocess.run([llvm_profdata, "merge", "-o", indexed, text], check=True)
        data = bytearray(indexed.read_bytes())
    files["profile-minimal.profdata"] = bytes(data)
    files["profile-truncated.profdata"] = bytes(data[:len(data) // 2])
    files["profile-header-only.profdata"] = bytes(data[:16])
    # The indexed header's version word (after the 8-byte magic), from a future LLVM.
    files["profile-future-version.profdata"] = bytes(patch(data, 8, "<Q", 99))
    # Claims a memory-profile section (VARIANT_MASK_MEMPROF, bit 62 of the
    # version word): LLVM 19's MemProf reader trusts what it finds there, and
    # the fuzzer crashed it through such a header.
    version = struct.unpack_from("<Q", data, 8)[0]
    files["profile-memprof.profdata"] = bytes(patch(data, 8, "<Q", version | (1 << 62)))
    # A record's counter count and bitmap byte count, so large that LLVM 19's
    # bounds check (D + count * 8 > End) wraps: the reader reserves, throws,
    # and leaks what its frames held. The fuzzer found it.
    record = first_record_data(data)
    counters = struct.unpack_from("<Q", data, record + 8)[0]
    files["profile-huge-record-counters.profdata"] = bytes(patch(data, record + 8, "<Q", 1 << 61))
    files["profile-huge-bitmap.profdata"] = bytes(patch(data, record + 16 + 8 * counters, "<Q", 1 << 61))
    return files


def first_record_data(data: bytearray) -> int:
    """Where the first record's data starts in an indexed profile of version 12
    without a context-sensitive summary: after the header, the summary, the first
    bucket's item count, the item's hash, key length and data length, and the key."""
    version = struct.unpack_from("<Q", data, 8)[0] & 0xffffffff
    assert version == 12, f"an indexed profile of version {version}: update first_record_data"
    at = 9 * 8  # the header's nine 64-bit words
    fields, entries = struct.unpack_from("<QQ", data, at)
    at += 16 + 8 * fields + 24 * entries
    at += 2
    _, key_length, _ = struct.unpack_from("<QQQ", data, at)
    return at + 24 + key_length


def manifest_files() -> dict:
    return {
        "manifest-not-json.json": b"profile_sha256 = 00\n",
        "manifest-no-text-sha.json": json.dumps({"profile_sha256": "0" * 64}).encode(),
        "manifest-bad-sha.json": json.dumps({"profile_sha256": "0" * 64,
                                             "text_profile_sha256": "not-a-sha"}).encode(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llvm-profdata", type=Path,
                        default=Path("/usr/lib/llvm-19/bin/llvm-profdata"))
    args = parser.parse_args()
    CORPUS.mkdir(exist_ok=True)
    files = {**elf_files(), **profile_files(args.llvm_profdata), **manifest_files()}
    for old in CORPUS.iterdir():
        if old.name not in files:
            old.unlink()
    for name, data in sorted(files.items()):
        (CORPUS / name).write_bytes(bytes(data))
        print(f"{name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
