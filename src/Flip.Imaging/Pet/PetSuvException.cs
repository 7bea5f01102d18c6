namespace Flip.Imaging.Pet;

/// <summary>A PET image whose attributes do not allow SUV: names the missing or unusable attribute.</summary>
public sealed class PetSuvException : FlipException
{
    private PetSuvException(string message, string? file, string attribute, string? fix)
        : base(message, ExitCodes.BadInput, fix)
    {
        File = file;
        Attribute = attribute;
    }

    /// <summary>The file, when known.</summary>
    public string? File { get; }

    /// <summary>The attribute at fault, as <c>(gggg,eeee) Keyword</c>.</summary>
    public string Attribute { get; }

    private static string Name(string? file) => file is null ? "<dataset>" : Path.GetFileName(file);

    /// <summary>An attribute SUVbw needs is missing or empty.</summary>
    /// <param name="file">The file.</param>
    /// <param name="attribute">The attribute.</param>
    /// <param name="why">What it is needed for.</param>
    /// <returns>The exception.</returns>
    public static PetSuvException Missing(string? file, string attribute, string why) => new(
        $"{Name(file)}: cannot compute SUVbw: {attribute} is missing; expected it for {why}.", file, attribute,
        "check the export settings of the PET system; some anonymisers remove this attribute, so compute SUV before de-identifying or use a date shift.");

    /// <summary>An attribute has a value SUVbw cannot use.</summary>
    /// <param name="file">The file.</param>
    /// <param name="attribute">The attribute.</param>
    /// <param name="found">The value.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception.</returns>
    public static PetSuvException Unusable(string? file, string attribute, string found, string expected) => new(
        $"{Name(file)}: cannot compute SUVbw: {attribute} is '{found}'; expected {expected}.", file, attribute, null);
}
