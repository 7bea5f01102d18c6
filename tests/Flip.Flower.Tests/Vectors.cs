namespace Flip.Flower.Tests;

/// <summary>
/// Locates the golden files written by real Flower 1.27.0: a copy of shared/flower-vectors is
/// committed under tests/Flip.Flower.Tests/FlowerVectors and copied next to the test assembly.
/// </summary>
internal static class Vectors
{
    public static string Root { get; } = Find();

    public static byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(Root, relative));

    public static string Path_(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("FLIP_FLOWER_VECTORS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        string committed = Path.Combine(AppContext.BaseDirectory, "FlowerVectors");
        if (Directory.Exists(committed))
        {
            return committed;
        }

        // The repository sits beside shared/ (…/work/<worktree>/tests/... → …/work/shared).
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "flower-vectors");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            string sibling = Path.Combine(d.FullName, "..", "shared", "flower-vectors");
            if (Directory.Exists(sibling))
            {
                return Path.GetFullPath(sibling);
            }
        }

        throw new DirectoryNotFoundException("shared/flower-vectors not found; set FLIP_FLOWER_VECTORS.");
    }
}
