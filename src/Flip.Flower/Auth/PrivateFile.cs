using System.Text;

namespace Flip.Flower.Auth;

/// <summary>Writes secrets (private keys): readable by the owner only (mode 0600 on Unix) from the first byte, written to a temporary file and renamed, so a crash never leaves half a key.</summary>
public static class PrivateFile
{
    /// <summary>Writes ASCII text (a PEM key) to <paramref name="path"/>, creating its folder.</summary>
    /// <param name="path">The file.</param>
    /// <param name="text">The content.</param>
    public static void WriteText(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(text);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        string tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(tmp, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
