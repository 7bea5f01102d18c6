namespace Flip.Federated.Runs;

/// <summary>Atomic writes: write <c>name.tmp</c>, flush to disk, rename over the target. A crash leaves the old file or the new one, never half of one.</summary>
public static class AtomicFile
{
    /// <summary>Writes a file through a stream, atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content.</param>
    public static void Write(string path, Action<Stream> write)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes UTF-8 text (no byte order mark), atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="text">The content.</param>
    public static void WriteText(string path, string text)
        => Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });
}
