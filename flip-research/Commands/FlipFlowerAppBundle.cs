using System.Reflection;
using Flip.Flower.Fleet;

namespace Flip.Cli.Commands;

/// <summary>
/// The Flower app bundle <c>serve</c> offers Python SuperNodes (<c>GetFab</c>): <c>flipapp</c>, FLIP's node as a
/// PyTorch ClientApp (FLIP's config keys, metric names and W1 U-Net recipe), from the files under
/// <c>flip-research/FlowerApp/</c> embedded in this assembly.
/// </summary>
internal static class FlipFlowerAppBundle
{
    public const string Id = "flipresearch/flipapp";
    public const string Version = "1.0.0";
    public const string FileName = "flipapp.fab";
    private const string Prefix = "FlowerApp/";

    public static FlowerAppBundle Build()
    {
        Assembly assembly = typeof(FlipFlowerAppBundle).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[Prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        return FlowerAppBundle.Build(files, Id, Version);
    }
}
