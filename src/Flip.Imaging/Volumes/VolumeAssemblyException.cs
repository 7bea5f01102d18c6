using System.Globalization;

namespace Flip.Imaging.Volumes;

/// <summary>A series whose slices do not form one regular volume: says which slices and what was expected.</summary>
public sealed class VolumeAssemblyException : FlipException
{
    private VolumeAssemblyException(string message, string? series, string? fix = null)
        : base(message, ExitCodes.BadInput, fix)
    {
        SeriesInstanceUid = series;
    }

    /// <summary>The series, when known.</summary>
    public string? SeriesInstanceUid { get; }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>No slices were given.</summary>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException NoSlices() => new("no DICOM images were given; expected at least one slice with pixel data.", null);

    /// <summary>Files of more than one series were given.</summary>
    /// <param name="series">The series UIDs found.</param>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException MixedSeries(IReadOnlyCollection<string> series) => new(
        $"the files belong to {series.Count} series ({string.Join(", ", series.Take(3))}{(series.Count > 3 ? ", …" : "")}); expected one Series Instance UID.",
        null, "group the files with SeriesVolume.GroupBySeries first.");

    /// <summary>A slice's geometry differs from the first slice's.</summary>
    /// <param name="series">The series.</param>
    /// <param name="slice">The slice (file and frame).</param>
    /// <param name="what">Which attribute and how.</param>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException InconsistentSlices(string? series, string slice, string what) => new(
        $"series {series}: slice {slice}: {what}", series);

    /// <summary>A slice lacks an attribute needed to place it.</summary>
    /// <param name="series">The series.</param>
    /// <param name="slice">The slice.</param>
    /// <param name="attribute">The missing attribute.</param>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException MissingGeometry(string? series, string slice, string attribute) => new(
        $"series {series}: slice {slice} has no {attribute}; expected it to place the slice in space.", series);

    /// <summary>Two slices share a position.</summary>
    /// <param name="series">The series.</param>
    /// <param name="first">One slice.</param>
    /// <param name="second">The other.</param>
    /// <param name="positionMm">Their position along the slice normal.</param>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException DuplicateSlices(string? series, string first, string second, double positionMm) => new(
        $"series {series}: slices {first} and {second} are both at {F(positionMm)} mm along the slice normal; expected one slice per position (duplicate or second acquisition?).",
        series, "remove the duplicate files, or split the series by Acquisition Number.");

    /// <summary>The slice spacing is not uniform.</summary>
    /// <param name="series">The series.</param>
    /// <param name="before">The slice before the gap.</param>
    /// <param name="after">The slice after it.</param>
    /// <param name="gapMm">The distance found.</param>
    /// <param name="expectedMm">The usual distance.</param>
    /// <param name="irregular">How many gaps differ.</param>
    /// <returns>The exception.</returns>
    public static VolumeAssemblyException NonUniformSpacing(string? series, string before, string after, double gapMm, double expectedMm, int irregular) => new(
        $"series {series}: {F(gapMm)} mm between slices {before} and {after}; expected {F(expectedMm)} mm like the others ({irregular} irregular gap{(irregular == 1 ? "" : "s")}; missing slices?).",
        series, "check the series is complete, or raise SeriesAssemblyOptions.SpacingTolerance to accept it.");
}
