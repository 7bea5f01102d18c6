using System.Diagnostics;

namespace Flip;

/// <summary>Names a bug by where it happened rather than by the input that found it: what the fuzzers group findings by.</summary>
public static class ExceptionSignature
{
    /// <summary>The exception type and the first stack frame in FLIP's own code (a namespace starting <c>Flip.</c>).</summary>
    /// <param name="e">The exception.</param>
    /// <returns>For example <c>IndexOutOfRangeException in Flip.Imaging.Dicom.DicomReader.ReadElement</c>.</returns>
    public static string Of(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var frame = new StackTrace(e, false).GetFrames().Select(f => f.GetMethod()).FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("Flip.", StringComparison.Ordinal) == true);
        string where = frame is null ? "?" : $"{frame.DeclaringType!.FullName}.{frame.Name}";
        return $"{e.GetType().Name} in {where}";
    }
}
