using System.Runtime.InteropServices;
using Flip.Learning.Native;

namespace Flip.Learning.Tests.Native;

/// <summary>The ELF step, run on the real libLibTorchSharp.so of TorchSharp 0.107.0.</summary>
[Collection("Torch")]
public sealed class LibTorchSharpCompatTests : IDisposable
{
    private const string Version = "0.107.0";
    private readonly string folder = Directory.CreateTempSubdirectory("flip-elf-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Original()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "torchsharp", Version, "runtimes", "linux-x64", "native", LibTorchSharpCompat.LibraryFileName);
        Assert.True(File.Exists(path), $"TorchSharp {Version}'s native library is not in the NuGet cache at {path}; restore the solution first.");
        return path;
    }

    private string CopyOfOriginal()
    {
        string copy = Path.Combine(folder, LibTorchSharpCompat.LibraryFileName);
        File.Copy(Original(), copy, overwrite: true);
        return copy;
    }

    private static void Poke(string path, Action<byte[]> change)
    {
        byte[] bytes = File.ReadAllBytes(path);
        change(bytes);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Inspect_finds_the_single_GLIBCXX_3_4_32_requirement_and_its_one_symbol()
    {
        CompatInspection inspection = LibTorchSharpCompat.Inspect(Original());

        Assert.False(inspection.IsWeak);
        Assert.Equal(18, inspection.VersionIndex);              // readelf -V: "Name: GLIBCXX_3.4.32 Flags: none Version: 18"
        Assert.Equal("_ZSt21ios_base_library_initv", inspection.BoundSymbol);
    }

    [Fact]
    public void Patch_sets_only_the_weak_flag_of_that_one_entry()
    {
        // Given
        string copy = CopyOfOriginal();
        byte[] before = File.ReadAllBytes(copy);

        // When
        CompatPatchOutcome outcome = LibTorchSharpCompat.Patch(copy, Version);

        // Then
        Assert.Equal(CompatPatchOutcome.Patched, outcome);
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        long flags = LibTorchSharpCompat.Inspect(copy).FlagsOffset;
        Assert.Equal([(int)flags], changed);
        Assert.Equal(before[flags] | LibTorchSharpCompat.VersionFlagWeak, after[flags]);
        Assert.True(LibTorchSharpCompat.Inspect(copy).IsWeak);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        string copy = CopyOfOriginal();
        LibTorchSharpCompat.Patch(copy, Version);
        string once = LibTorchSharpCompat.Sha256Hex(File.ReadAllBytes(copy));
        DateTime written = File.GetLastWriteTimeUtc(copy);

        CompatPatchOutcome again = LibTorchSharpCompat.Patch(copy, Version);

        Assert.Equal(CompatPatchOutcome.AlreadyPatched, again);
        Assert.Equal(once, LibTorchSharpCompat.Sha256Hex(File.ReadAllBytes(copy)));
        Assert.Equal(written, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void Patch_refuses_the_file_in_the_NuGet_cache_and_leaves_it_untouched()
    {
        string original = Original();
        string hash = LibTorchSharpCompat.Sha256Hex(File.ReadAllBytes(original));

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(original, Version));

        Assert.Contains("NuGet package cache", error.Message);
        Assert.Equal(hash, LibTorchSharpCompat.Sha256Hex(File.ReadAllBytes(original)));
        Assert.Equal("cf33b1b0bb6bbb9754a768fb5c5d04d9f498603be50e73f55621a0b40ee608b8", hash);
    }

    [Fact]
    public void Patch_refuses_a_32_bit_ELF()
    {
        string copy = CopyOfOriginal();
        Poke(copy, b => b[4] = 1);

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, Version));

        Assert.Equal("libLibTorchSharp.so: at byte 0x4: ELF class 1 (32-bit); expected a 64-bit ELF (ELFCLASS64).", error.Message);
    }

    [Fact]
    public void Patch_refuses_a_big_endian_ELF()
    {
        string copy = CopyOfOriginal();
        Poke(copy, b => b[5] = 2);

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, Version));

        Assert.Equal("libLibTorchSharp.so: at byte 0x5: ELF data encoding 2 (big-endian); expected little-endian (ELFDATA2LSB).", error.Message);
    }

    [Fact]
    public void Patch_refuses_a_file_that_is_not_ELF()
    {
        string path = Path.Combine(folder, LibTorchSharpCompat.LibraryFileName);
        File.WriteAllText(path, "#!/bin/sh\necho not a library\n");

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(path, Version));

        Assert.Contains("no ELF magic", error.Message);
    }

    [Fact]
    public void Patch_refuses_a_TorchSharp_version_it_has_not_verified()
    {
        string copy = CopyOfOriginal();

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, "0.105.2"));

        Assert.Contains("TorchSharp 0.105.2 has not been verified", error.Message);
        Assert.False(LibTorchSharpCompat.Inspect(copy).IsWeak);
    }

    [Fact]
    public void Patch_refuses_a_file_that_differs_from_the_shipped_library()
    {
        string copy = CopyOfOriginal();
        Poke(copy, b => b[^1] ^= 0xFF);

        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, Version));

        Assert.Contains("differs from TorchSharp 0.107.0's libLibTorchSharp.so", error.Message);
    }

    [Fact]
    public void Patch_refuses_when_another_symbol_is_bound_to_the_version()
    {
        // Given: a second dynamic symbol (index 1) rebound to version index 18
        string copy = CopyOfOriginal();
        var elf = new ElfReader(copy, File.ReadAllBytes(copy));
        long versym = elf.VersionSymbolOffset(1);
        Poke(copy, b => ElfReader.WriteU16(b, versym, 18));

        // When
        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, Version));

        // Then
        Assert.Contains("expected exactly one symbol bound to GLIBCXX_3.4.32 (_ZSt21ios_base_library_initv), found 2", error.Message);
    }

    [Fact]
    public void Patch_refuses_when_a_relocation_uses_the_symbol()
    {
        // Given: the first PLT relocation pointed at the ios_base_library_init symbol
        string copy = CopyOfOriginal();
        byte[] bytes = File.ReadAllBytes(copy);
        var elf = new ElfReader(copy, bytes);
        int symbol = elf.SymbolsWithVersionIndex(18).Single();
        long info = elf.FirstPltRelocationInfoOffset();
        Poke(copy, b =>
        {
            ulong type = ElfReader.ReadU64(b, info) & 0xFFFFFFFF;
            ulong value = ((ulong)symbol << 32) | type;
            for (int i = 0; i < 8; i++)
            {
                b[info + i] = (byte)(value >> (8 * i));
            }
        });

        // When
        var error = Assert.Throws<CompatPatchException>(() => LibTorchSharpCompat.Patch(copy, Version));

        // Then
        Assert.Contains("DT_JMPREL relocation at file offset", error.Message);
        Assert.Contains("expected no relocation to use it", error.Message);
    }

    [Fact]
    public void The_build_output_carries_the_patched_copy_exactly_when_the_system_libstdcxx_needs_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the build step runs on Linux only; elsewhere there is nothing to check
        }

        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchSharpCompat.LibraryFileName);
        bool? systemHasIt = LibTorchSharpCompat.SystemLibStdCxxDefines(LibTorchSharpCompat.NeededVersion, out _);

        Assert.Equal(systemHasIt != true, LibTorchSharpCompat.Inspect(output).IsWeak);
    }

    [Fact]
    public void The_shipped_library_fails_to_load_here_and_the_patched_copy_loads()
    {
        bool? systemHasIt = LibTorchSharpCompat.SystemLibStdCxxDefines(LibTorchSharpCompat.NeededVersion, out _);
        if (!OperatingSystem.IsLinux() || systemHasIt != false)
        {
            return; // only an older libstdc++ shows the failure this step exists for
        }

        // Load TorchSharp (the patched copy and libtorch) first: the dynamic loader maps a library's
        // dependencies before it checks version requirements, and with libtorch already in the
        // process the only thing left to reject the shipped file is GLIBCXX_3.4.32.
        Assert.True(Flip.Learning.Devices.TorchEnvironment.Probe().NativeLoaded);
        var refused = Assert.ThrowsAny<DllNotFoundException>(() => NativeLibrary.Load(Original()));
        Assert.Contains("GLIBCXX_3.4.32", refused.Message);

        // The patched copy in this test's own output is what TorchSharp loads.
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchSharpCompat.LibraryFileName);
        IntPtr handle = NativeLibrary.Load(output);
        Assert.NotEqual(IntPtr.Zero, handle);
    }
}
