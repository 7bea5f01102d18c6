using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Flip.Flower.Fleet;

namespace Flip.Flower.Tests.Fleet;

public sealed class FlowerAppBundleTests
{
    private static readonly Dictionary<string, byte[]> Files = new(StringComparer.Ordinal)
    {
        ["app/client_app.py"] = Encoding.UTF8.GetBytes("app = None\n"),
        ["pyproject.toml"] = Encoding.UTF8.GetBytes("[project]\nname = \"app\"\nversion = \"1.0.0\"\n"),
        ["app/__init__.py"] = [],
    };

    [Fact]
    public void Build_writes_pyproject_first_then_sorted_files_then_a_content_manifest_as_flower_builds_it()
    {
        FlowerAppBundle bundle = FlowerAppBundle.Build(Files, "pub/app", "1.0.0");

        using var zip = new ZipArchive(new MemoryStream(bundle.Content));
        Assert.Equal(["pyproject.toml", "app/__init__.py", "app/client_app.py", ".info/CONTENT"], zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(new DateTime(2024, 10, 1, 0, 0, 0), e.LastWriteTime.DateTime));
        using var reader = new StreamReader(zip.GetEntry(".info/CONTENT")!.Open());
        string[] lines = reader.ReadToEnd().Split('\n');
        // One line per file: path, SHA-256 hex of its bytes, size in bits; no final newline.
        Assert.Equal(
            ["pyproject.toml", "app/__init__.py", "app/client_app.py"],
            lines.Select(l => l.Split(',')[0]));
        Assert.All(lines, l =>
        {
            string[] parts = l.Split(',');
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Files[parts[0]])), parts[1]);
            Assert.Equal((Files[parts[0]].Length * 8).ToString(System.Globalization.CultureInfo.InvariantCulture), parts[2]);
        });
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bundle.Content)), bundle.Hash);
        Assert.Equal(("pub/app", "1.0.0"), (bundle.Id, bundle.Version));
    }

    [Fact]
    public void Build_is_deterministic_so_the_fab_hash_names_the_app()
        => Assert.Equal(FlowerAppBundle.Build(Files, "pub/app", "1.0.0").Hash, FlowerAppBundle.Build(new Dictionary<string, byte[]>(Files.Reverse()), "pub/app", "1.0.0").Hash);

    [Theory]
    [InlineData("../escape.py")]
    [InlineData("/abs.py")]
    [InlineData("a\\b.py")]
    public void Build_refuses_a_path_that_is_not_relative_with_forward_slashes(string path)
    {
        var files = new Dictionary<string, byte[]>(Files) { [path] = [] };

        var e = Assert.Throws<ArgumentException>(() => FlowerAppBundle.Build(files, "pub/app", "1.0.0"));

        Assert.StartsWith($"a Flower app bundle's paths are relative with forward slashes; '{path}' is not.", e.Message);
    }

    [Fact]
    public void Build_refuses_files_without_pyproject()
    {
        var e = Assert.Throws<ArgumentException>(() => FlowerAppBundle.Build(new Dictionary<string, byte[]> { ["a.py"] = [] }, "pub/app", "1.0.0"));

        Assert.StartsWith("a Flower app bundle needs pyproject.toml; the files given have none.", e.Message);
    }
}
