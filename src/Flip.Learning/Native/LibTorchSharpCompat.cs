// This one file is compiled twice: into Flip.Learning (FLIP_LIBRARY defined), where `doctor` and the
// tests use it, and by MSBuild's RoslynCodeTaskFactory from Directory.Build.targets, where the
// task class at the bottom patches the copy of libLibTorchSharp.so in a build output. The task
// factory takes a single source file and compiles it against .NET Standard 2.0, which is why the
// types live together here and the code avoids spans, records and init accessors.
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Learning.Native
{
    /// <summary>What <see cref="LibTorchSharpCompat.Patch"/> did to a file.</summary>
    public enum CompatPatchOutcome
    {
        /// <summary>The version requirement was marked weak; the file was replaced atomically.</summary>
        Patched,

        /// <summary>The requirement was already weak; the file was left untouched.</summary>
        AlreadyPatched,
    }

    /// <summary>
    /// Makes TorchSharp's native <c>libLibTorchSharp.so</c> load on Linux whose libstdc++ is older
    /// than GCC 13 (Debian 12, Ubuntu 22.04, RHEL 9).
    /// </summary>
    /// <remarks>
    /// TorchSharp 0.107.0's library asks for libstdc++ symbol version <c>GLIBCXX_3.4.32</c>. Exactly one
    /// symbol is bound to that version, <c>std::ios_base_library_init()</c>
    /// (<c>_ZSt21ios_base_library_initv</c>), and no relocation refers to it: GCC 13 emits the
    /// reference only to pull the iostream initialiser into the link. The dynamic loader nevertheless
    /// refuses the whole file when a needed version is missing, unless that requirement carries
    /// <c>VER_FLG_WEAK</c> (System V gABI, "Symbol Versioning"; glibc <c>elf/dl-version.c</c>). This class
    /// sets that one flag on that one <c>Elf64_Vernaux</c> entry of <c>.gnu.version_r</c>, after checking that
    /// the file is exactly what it expects, and writes the result by temp file and rename, so the
    /// NuGet cache (which a hard-linked copy would share) is never edited.
    /// </remarks>
    public static class LibTorchSharpCompat
    {
        /// <summary>The file name of TorchSharp's native library on Linux.</summary>
        public const string LibraryFileName = "libLibTorchSharp.so";

        /// <summary>The library whose version requirement is relaxed.</summary>
        public const string NeededLibrary = "libstdc++.so.6";

        /// <summary>The symbol version that Debian 12's libstdc++ (GCC 12) does not define.</summary>
        public const string NeededVersion = "GLIBCXX_3.4.32";

        /// <summary>The only symbol that may be bound to <see cref="NeededVersion"/>.</summary>
        public const string ExpectedSymbol = "_ZSt21ios_base_library_initv";

        /// <summary>The <c>vna_flags</c> bit that makes a version requirement optional.</summary>
        public const ushort VersionFlagWeak = 0x2;

        // TorchSharp versions whose libLibTorchSharp.so was checked by hand (readelf -V, readelf -r)
        // and trained with after patching: version -> SHA-256 of the file as the package ships it.
        private static readonly Dictionary<string, string> VerifiedOriginals = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["0.107.0"] = "cf33b1b0bb6bbb9754a768fb5c5d04d9f498603be50e73f55621a0b40ee608b8",
        };

        /// <summary>The TorchSharp versions this step has been verified on.</summary>
        public static IReadOnlyCollection<string> VerifiedTorchSharpVersions => VerifiedOriginals.Keys;

        /// <summary>
        /// Checks <paramref name="path"/> and marks its <see cref="NeededVersion"/> requirement weak.
        /// </summary>
        /// <param name="path">The copy of <c>libLibTorchSharp.so</c> in a build or publish output.</param>
        /// <param name="torchSharpVersion">The TorchSharp package version the file came from.</param>
        /// <returns>Whether the file was patched or already was.</returns>
        /// <exception cref="CompatPatchException">The file is not what this step expects; it is left untouched.</exception>
        public static CompatPatchOutcome Patch(string path, string torchSharpVersion)
        {
            string full = Path.GetFullPath(path);
            if (IsInNuGetCache(full))
            {
                throw new CompatPatchException(path,
                    "refusing to edit a file inside the NuGet package cache; only the copy in a build output may be patched.");
            }

            byte[] bytes = ReadBounded(path);
            CompatInspection inspection = Inspect(path, bytes);
            if (inspection.IsWeak)
            {
                return CompatPatchOutcome.AlreadyPatched;
            }

            string expected;
            if (!VerifiedOriginals.TryGetValue(torchSharpVersion, out expected!))
            {
                throw new CompatPatchException(path,
                    "TorchSharp " + torchSharpVersion + " has not been verified for the libstdc++ compatibility step (verified: "
                    + string.Join(", ", VerifiedOriginals.Keys) + "); check it with 'readelf -V' and 'readelf -r' and add its SHA-256 to LibTorchSharpCompat, or set FlipLibStdCxxCompat=never.");
            }

            string actual = Sha256Hex(bytes);
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new CompatPatchException(path,
                    "SHA-256 " + actual + " differs from TorchSharp " + torchSharpVersion + "'s libLibTorchSharp.so (" + expected
                    + "); expected the file exactly as the package ships it.");
            }

            ushort flags = ElfReader.ReadU16(bytes, inspection.FlagsOffset);
            ElfReader.WriteU16(bytes, inspection.FlagsOffset, (ushort)(flags | VersionFlagWeak));
            WriteAtomically(full, bytes);
            return CompatPatchOutcome.Patched;
        }

        /// <summary>Reads what this step needs to know about a file without changing it.</summary>
        /// <param name="path">An ELF shared library.</param>
        /// <returns>Where the requirement is and whether it is already weak.</returns>
        /// <exception cref="CompatPatchException">The file is not a library this step can patch.</exception>
        public static CompatInspection Inspect(string path) => Inspect(path, ReadBounded(path));

        /// <summary>
        /// Whether the libstdc++ that the dynamic loader would pick defines <paramref name="version"/>.
        /// </summary>
        /// <param name="version">A symbol version such as <c>GLIBCXX_3.4.32</c>.</param>
        /// <param name="libraryPath">The libstdc++ that was read, or <see langword="null"/> when none was found.</param>
        /// <returns><see langword="true"/> or <see langword="false"/>; <see langword="null"/> when no libstdc++ was found.</returns>
        public static bool? SystemLibStdCxxDefines(string version, out string? libraryPath)
        {
            libraryPath = FindSystemLibStdCxx();
            if (libraryPath is null)
            {
                return null;
            }

            return ElfReader.DefinedVersions(libraryPath, File.ReadAllBytes(libraryPath)).Contains(version);
        }

        /// <summary>The highest <c>GLIBCXX_3.4.N</c> version the system libstdc++ defines.</summary>
        /// <param name="libraryPath">The libstdc++ that was read, or <see langword="null"/> when none was found.</param>
        /// <returns>For example <c>GLIBCXX_3.4.30</c>, or <see langword="null"/>.</returns>
        public static string? SystemHighestGlibcxx(out string? libraryPath)
        {
            libraryPath = FindSystemLibStdCxx();
            if (libraryPath is null)
            {
                return null;
            }

            string? best = null;
            int bestMinor = -1;
            foreach (string name in ElfReader.DefinedVersions(libraryPath, File.ReadAllBytes(libraryPath)))
            {
                const string prefix = "GLIBCXX_3.4.";
                int minor;
                if (name.StartsWith(prefix, StringComparison.Ordinal)
                    && int.TryParse(name.Substring(prefix.Length), out minor) && minor > bestMinor)
                {
                    bestMinor = minor;
                    best = name;
                }
            }

            return best;
        }

        /// <summary>The SHA-256 of some bytes as lower-case hex.</summary>
        /// <param name="bytes">The bytes.</param>
        /// <returns>64 hex digits.</returns>
        public static string Sha256Hex(byte[] bytes)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return BitConverter.ToString(sha.ComputeHash(bytes)).Replace("-", string.Empty).ToLowerInvariant();
            }
        }

        internal static CompatInspection Inspect(string path, byte[] bytes)
        {
            var elf = new ElfReader(path, bytes);
            ElfReader.VersionNeed need = elf.FindVersionNeed(NeededLibrary, NeededVersion);

            List<int> bound = elf.SymbolsWithVersionIndex(need.VersionIndex);
            if (bound.Count != 1 || elf.SymbolName(bound[0]) != ExpectedSymbol)
            {
                var names = new List<string>();
                foreach (int index in bound)
                {
                    names.Add(elf.SymbolName(index));
                }

                throw new CompatPatchException(path,
                    "expected exactly one symbol bound to " + NeededVersion + " (" + ExpectedSymbol + "), found "
                    + bound.Count + (names.Count > 0 ? ": " + string.Join(", ", names) : string.Empty)
                    + "; marking the requirement weak could leave a symbol unresolved.");
            }

            string? relocation = elf.FindRelocationOf(bound[0]);
            if (relocation != null)
            {
                throw new CompatPatchException(path,
                    "the " + relocation + " uses " + ExpectedSymbol + "@" + NeededVersion
                    + "; expected no relocation to use it, so a weak requirement could leave it unresolved.");
            }

            return new CompatInspection(need.FlagsOffset, need.VersionIndex,
                (need.Flags & VersionFlagWeak) != 0, ExpectedSymbol);
        }

        private static byte[] ReadBounded(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CompatPatchException(path, "file not found.");
            }

            // TorchSharp's library is a few MB; anything far larger is not it.
            const long maximumBytes = 256L * 1024 * 1024;
            if (info.Length > maximumBytes)
            {
                throw new CompatPatchException(path,
                    "file is " + info.Length + " bytes; expected TorchSharp's native library of at most " + maximumBytes + " bytes.");
            }

            return File.ReadAllBytes(path);
        }

        private static bool IsInNuGetCache(string fullPath)
        {
            string normalized = fullPath.Replace('\\', '/');
            if (normalized.IndexOf("/.nuget/packages/", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return true;
            }

            string? cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (!string.IsNullOrEmpty(cache))
            {
                string root = Path.GetFullPath(cache!).Replace('\\', '/').TrimEnd('/') + "/";
                if (normalized.StartsWith(root, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        private static void WriteAtomically(string fullPath, byte[] bytes)
        {
            // A new file renamed over the old one: also breaks a hard link into the NuGet cache.
            string temp = fullPath + ".flip-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }

                File.Replace(temp, fullPath, null);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        private static string? FindSystemLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6",
                "/lib64/libstdc++.so.6",
                "/usr/lib/libstdc++.so.6",
            };
            foreach (string candidate in candidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>Where a file's <c>GLIBCXX_3.4.32</c> requirement is and what it looks like.</summary>
    public sealed class CompatInspection
    {
        /// <summary>Creates an inspection result.</summary>
        /// <param name="flagsOffset">File offset of the requirement's <c>vna_flags</c>.</param>
        /// <param name="versionIndex">The version index symbols use to refer to the requirement.</param>
        /// <param name="isWeak">Whether <c>VER_FLG_WEAK</c> is already set.</param>
        /// <param name="boundSymbol">The single symbol bound to the version.</param>
        public CompatInspection(long flagsOffset, ushort versionIndex, bool isWeak, string boundSymbol)
        {
            FlagsOffset = flagsOffset;
            VersionIndex = versionIndex;
            IsWeak = isWeak;
            BoundSymbol = boundSymbol;
        }

        /// <summary>File offset of the requirement's <c>vna_flags</c> field.</summary>
        public long FlagsOffset { get; }

        /// <summary>The version index (<c>vna_other</c>) symbols use to refer to the requirement.</summary>
        public ushort VersionIndex { get; }

        /// <summary>Whether the requirement is already weak (the file is already patched).</summary>
        public bool IsWeak { get; }

        /// <summary>The single symbol bound to the version.</summary>
        public string BoundSymbol { get; }
    }

    /// <summary>The libstdc++ compatibility step refused a file; the file was left untouched.</summary>
    public sealed class CompatPatchException
#if FLIP_LIBRARY
        : FlipException
#else
        : Exception
#endif
    {
        /// <summary>Creates the error for one file.</summary>
        /// <param name="path">The file.</param>
        /// <param name="problem">What was found and what was expected.</param>
        public CompatPatchException(string path, string problem)
#if FLIP_LIBRARY
            : base(Path.GetFileName(path) + ": " + problem, ExitCodes.Environment,
                "build with -p:FlipLibStdCxxCompat=never and install a libstdc++ from GCC 13 or newer instead.")
#else
            : base(Path.GetFileName(path) + ": " + problem)
#endif
        {
            FilePath = path;
        }

        /// <summary>The file that was refused.</summary>
        public string FilePath { get; }
    }

    /// <summary>A bounds-checked reader of the parts of a 64-bit little-endian ELF file the step needs.</summary>
    internal sealed class ElfReader
    {
        private const uint PtLoad = 1;
        private const uint PtDynamic = 2;
        private const long DtNull = 0;
        private const long DtPltRelSize = 2;
        private const long DtStrTab = 5;
        private const long DtSymTab = 6;
        private const long DtRela = 7;
        private const long DtRelaSize = 8;
        private const long DtStrSize = 10;
        private const long DtRel = 17;
        private const long DtRelSize = 18;
        private const long DtPltRel = 20;
        private const long DtJmpRel = 23;
        private const long DtVerSym = 0x6ffffff0;
        private const long DtVerDef = 0x6ffffffc;
        private const long DtVerDefNum = 0x6ffffffd;
        private const long DtVerNeed = 0x6ffffffe;
        private const long DtVerNeedNum = 0x6fffffff;
        private const uint ShtDynSym = 11;

        private readonly string path;
        private readonly byte[] data;
        private readonly List<long[]> loads = new List<long[]>();
        private readonly Dictionary<long, ulong> dynamic = new Dictionary<long, ulong>();
        private readonly long strTab;
        private readonly long strSize;

        public ElfReader(string path, byte[] data)
        {
            this.path = path;
            this.data = data;
            if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            {
                throw Fail(0, "no ELF magic (7F 45 4C 46); expected an ELF shared library.");
            }

            if (data[4] != 2)
            {
                throw Fail(4, "ELF class " + data[4] + " (32-bit); expected a 64-bit ELF (ELFCLASS64).");
            }

            if (data[5] != 1)
            {
                throw Fail(5, "ELF data encoding " + data[5] + " (big-endian); expected little-endian (ELFDATA2LSB).");
            }

            long phoff = (long)ReadU64(data, 32);
            int phentsize = ReadU16(data, 54);
            int phnum = ReadU16(data, 56);
            if (phentsize < 56)
            {
                throw Fail(54, "program header entry size " + phentsize + "; expected 56.");
            }

            long dynOffset = -1;
            long dynSize = 0;
            for (int i = 0; i < phnum; i++)
            {
                long at = phoff + (long)i * phentsize;
                Need(at, 56, "program header " + i);
                uint type = ReadU32(data, at);
                if (type == PtLoad)
                {
                    loads.Add(new[] { (long)ReadU64(data, at + 16), (long)ReadU64(data, at + 8), (long)ReadU64(data, at + 32) });
                }
                else if (type == PtDynamic)
                {
                    dynOffset = (long)ReadU64(data, at + 8);
                    dynSize = (long)ReadU64(data, at + 32);
                }
            }

            if (dynOffset < 0)
            {
                throw Fail(phoff, "no PT_DYNAMIC program header; expected a dynamically linked shared library.");
            }

            for (long at = dynOffset; at + 16 <= dynOffset + dynSize; at += 16)
            {
                Need(at, 16, ".dynamic entry");
                long tag = (long)ReadU64(data, at);
                if (tag == DtNull)
                {
                    break;
                }

                if (!dynamic.ContainsKey(tag))
                {
                    dynamic[tag] = ReadU64(data, at + 8);
                }
            }

            strTab = OffsetOf(Required(DtStrTab, "DT_STRTAB"), "DT_STRTAB");
            strSize = (long)Required(DtStrSize, "DT_STRSZ");
            Need(strTab, strSize, ".dynstr");
        }

        public sealed class VersionNeed
        {
            public VersionNeed(long flagsOffset, ushort flags, ushort versionIndex)
            {
                FlagsOffset = flagsOffset;
                Flags = flags;
                VersionIndex = versionIndex;
            }

            public long FlagsOffset { get; }

            public ushort Flags { get; }

            public ushort VersionIndex { get; }
        }

        public VersionNeed FindVersionNeed(string library, string version)
        {
            long at = OffsetOf(Required(DtVerNeed, "DT_VERNEED"), "DT_VERNEED");
            long count = (long)Required(DtVerNeedNum, "DT_VERNEEDNUM");
            if (count > 10000)
            {
                throw Fail(at, "DT_VERNEEDNUM is " + count + "; expected a handful of .gnu.version_r entries.");
            }

            for (long i = 0; i < count; i++)
            {
                Need(at, 16, ".gnu.version_r entry " + i);
                int auxCount = ReadU16(data, at + 2);
                string file = String(ReadU32(data, at + 4));
                long aux = at + ReadU32(data, at + 8);
                for (int j = 0; j < auxCount; j++)
                {
                    Need(aux, 16, ".gnu.version_r auxiliary entry");
                    if (file == library && String(ReadU32(data, aux + 8)) == version)
                    {
                        return new VersionNeed(aux + 4, ReadU16(data, aux + 4), ReadU16(data, aux + 6));
                    }

                    uint nextAux = ReadU32(data, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint next = ReadU32(data, at + 12);
                if (next == 0)
                {
                    break;
                }

                at += next;
            }

            throw Fail(OffsetOf(dynamic[DtVerNeed], "DT_VERNEED"),
                "no requirement of " + library + " version " + version + " in .gnu.version_r; expected TorchSharp's library that needs it.");
        }

        public static HashSet<string> DefinedVersions(string path, byte[] bytes)
        {
            var elf = new ElfReader(path, bytes);
            var names = new HashSet<string>(StringComparer.Ordinal);
            ulong defAddress;
            ulong defCount;
            if (!elf.dynamic.TryGetValue(DtVerDef, out defAddress) || !elf.dynamic.TryGetValue(DtVerDefNum, out defCount))
            {
                return names;
            }

            long at = elf.OffsetOf(defAddress, "DT_VERDEF");
            for (ulong i = 0; i < defCount && i < 10000; i++)
            {
                elf.Need(at, 20, ".gnu.version_d entry");
                long aux = at + ReadU32(bytes, at + 12);
                elf.Need(aux, 8, ".gnu.version_d auxiliary entry");
                names.Add(elf.String(ReadU32(bytes, aux)));
                uint next = ReadU32(bytes, at + 16);
                if (next == 0)
                {
                    break;
                }

                at += next;
            }

            return names;
        }

        public List<int> SymbolsWithVersionIndex(ushort versionIndex)
        {
            long versym = OffsetOf(Required(DtVerSym, "DT_VERSYM"), "DT_VERSYM");
            int count = DynamicSymbolCount();
            Need(versym, 2L * count, ".gnu.version");
            var result = new List<int>();
            for (int i = 0; i < count; i++)
            {
                if ((ReadU16(data, versym + 2L * i) & 0x7fff) == versionIndex)
                {
                    result.Add(i);
                }
            }

            return result;
        }

        public string SymbolName(int index)
        {
            long symTab = OffsetOf(Required(DtSymTab, "DT_SYMTAB"), "DT_SYMTAB");
            long at = symTab + 24L * index;
            Need(at, 24, ".dynsym entry " + index);
            return String(ReadU32(data, at));
        }

        public string? FindRelocationOf(int symbolIndex)
        {
            string? found = ScanRelocations(DtRela, DtRelaSize, 24, "DT_RELA", symbolIndex);
            found = found ?? ScanRelocations(DtRel, DtRelSize, 16, "DT_REL", symbolIndex);
            ulong pltKind;
            bool pltIsRela = !dynamic.TryGetValue(DtPltRel, out pltKind) || (long)pltKind == DtRela;
            return found ?? ScanRelocations(DtJmpRel, DtPltRelSize, pltIsRela ? 24 : 16, "DT_JMPREL", symbolIndex);
        }

        /// <summary>File offset of symbol <paramref name="index"/>'s entry in <c>.gnu.version</c>.</summary>
        internal long VersionSymbolOffset(int index)
            => OffsetOf(Required(DtVerSym, "DT_VERSYM"), "DT_VERSYM") + 2L * index;

        /// <summary>File offset of the <c>r_info</c> field of the first <c>DT_JMPREL</c> relocation.</summary>
        internal long FirstPltRelocationInfoOffset()
            => OffsetOf(Required(DtJmpRel, "DT_JMPREL"), "DT_JMPREL") + 8;

        private string? ScanRelocations(long tableTag, long sizeTag, int entrySize, string name, int symbolIndex)
        {
            ulong address;
            ulong size;
            if (!dynamic.TryGetValue(tableTag, out address) || !dynamic.TryGetValue(sizeTag, out size))
            {
                return null;
            }

            long start = OffsetOf(address, name);
            Need(start, (long)size, name + " relocation table");
            for (long at = start; at + entrySize <= start + (long)size; at += entrySize)
            {
                ulong info = ReadU64(data, at + 8);
                if ((int)(info >> 32) == symbolIndex)
                {
                    return name + " relocation at file offset 0x" + at.ToString("X");
                }
            }

            return null;
        }

        private int DynamicSymbolCount()
        {
            // The dynamic table gives no symbol count; the section headers do (SHT_DYNSYM).
            long shoff = (long)ReadU64(data, 40);
            int shentsize = ReadU16(data, 58);
            int shnum = ReadU16(data, 60);
            long symTabAddress = (long)Required(DtSymTab, "DT_SYMTAB");
            for (int i = 0; i < shnum; i++)
            {
                long at = shoff + (long)i * shentsize;
                Need(at, 64, "section header " + i);
                if (ReadU32(data, at + 4) == ShtDynSym && (long)ReadU64(data, at + 16) == symTabAddress)
                {
                    long size = (long)ReadU64(data, at + 32);
                    long entry = (long)ReadU64(data, at + 56);
                    if (entry != 24 || size % 24 != 0 || size / 24 > int.MaxValue)
                    {
                        throw Fail(at, "SHT_DYNSYM size " + size + " with entry size " + entry + "; expected a multiple of 24.");
                    }

                    return (int)(size / 24);
                }
            }

            throw Fail(shoff, "no SHT_DYNSYM section header matching DT_SYMTAB; expected an unstripped section table.");
        }

        private ulong Required(long tag, string name)
        {
            ulong value;
            if (!dynamic.TryGetValue(tag, out value))
            {
                throw Fail(0, "no " + name + " entry in .dynamic; expected a library with symbol versioning.");
            }

            return value;
        }

        private long OffsetOf(ulong address, string what)
        {
            foreach (long[] load in loads)
            {
                if ((long)address >= load[0] && (long)address < load[0] + load[2])
                {
                    return (long)address - load[0] + load[1];
                }
            }

            throw Fail(0, what + " address 0x" + address.ToString("X") + " lies in no PT_LOAD segment.");
        }

        private string String(uint offset)
        {
            if (offset >= strSize)
            {
                throw Fail(strTab, "string offset " + offset + " is past .dynstr (" + strSize + " bytes).");
            }

            long start = strTab + offset;
            long end = start;
            while (end < strTab + strSize && data[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
        }

        private void Need(long offset, long length, string what)
        {
            if (offset < 0 || length < 0 || offset > data.Length || length > data.Length - offset)
            {
                throw Fail(offset, what + " of " + length + " bytes runs past the end of the file (" + data.Length + " bytes).");
            }
        }

        private CompatPatchException Fail(long offset, string problem)
            => new CompatPatchException(path, "at byte 0x" + offset.ToString("X") + ": " + problem);

        public static ushort ReadU16(byte[] b, long at) => (ushort)(b[at] | (b[at + 1] << 8));

        public static void WriteU16(byte[] b, long at, ushort value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
        }

        public static uint ReadU32(byte[] b, long at) => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

        public static ulong ReadU64(byte[] b, long at) => ReadU32(b, at) | ((ulong)ReadU32(b, at + 4) << 32);
    }

#if !FLIP_LIBRARY
    /// <summary>MSBuild task: patches the copies of libLibTorchSharp.so in a build or publish output.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies to patch.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        /// <summary><c>auto</c> (only when the system libstdc++ lacks the version), <c>always</c> or <c>never</c>.</summary>
        public string Mode { get; set; } = "auto";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (string.Equals(Mode, "never", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(Mode, "auto", StringComparison.OrdinalIgnoreCase))
            {
                string? library;
                bool? defines = LibTorchSharpCompat.SystemLibStdCxxDefines(LibTorchSharpCompat.NeededVersion, out library);
                if (defines == true)
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                        "FLIP: " + library + " defines " + LibTorchSharpCompat.NeededVersion + "; libLibTorchSharp.so left as shipped.");
                    return true;
                }
            }

            foreach (Microsoft.Build.Framework.ITaskItem item in Files)
            {
                string file = item.ItemSpec;
                string version = item.GetMetadata("TorchSharpVersion");
                if (!File.Exists(file))
                {
                    continue;
                }

                try
                {
                    CompatPatchOutcome outcome = LibTorchSharpCompat.Patch(file, version);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "FLIP: " + file + ": " + (outcome == CompatPatchOutcome.Patched
                            ? "marked the " + LibTorchSharpCompat.NeededVersion + " requirement weak so it loads with an older libstdc++."
                            : "already patched."));
                }
                catch (CompatPatchException e)
                {
                    Log.LogError("FLIP: " + e.Message + " Build with -p:FlipLibStdCxxCompat=never to skip this step.");
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}
