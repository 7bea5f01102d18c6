using System.Globalization;
using System.IO.Compression;
using System.Text;
using Flip.Datasets.Synthetic;
using Flip.Experiments;
using Flip.Reporting;
using Microsoft.AspNetCore.Html;
using Plotly.NET;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>The synthetic FLIP-6 cohort, prepared for training, with the image size as a parameter (smaller images
    /// make notebook smoke runs fast).</summary>
    /// <param name="scale">Fraction of the full-scale cohort's patients.</param>
    /// <param name="seed">Seed of the cohort and the split.</param>
    /// <param name="matrixSize">In-plane pixels per side; 64 in the full study.</param>
    /// <param name="slices">Slices per volume; 12 in the full study.</param>
    /// <returns>The prepared cohort.</returns>
    public static PreparedCohort Cohort(double scale = 0.08, int seed = 7, int matrixSize = 64, int slices = 12)
        => PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed, MatrixSize = matrixSize, Slices = slices }), seed: seed);

    /// <summary>The cohort's hospitals as the report describes them (country, vendor, field strength, patients, csPCa prevalence).</summary>
    /// <param name="cohort">The cohort.</param>
    /// <returns>One entry per hospital.</returns>
    public static IReadOnlyList<SiteInfo> Sites(PreparedCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return [.. cohort.Sites.Where(s => s.Site is not null).Select(s => new SiteInfo(
            s.Id, s.Site!.DisplayName, s.Site.Country, s.Site.Vendor, s.Site.FieldStrengthTesla, s.Site.Patients.Count, s.Site.CsPcaPrevalence))];
    }

    /// <summary>The cohort summary table of the report.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <returns>HTML that displays itself.</returns>
    public static HtmlString CohortTable(PreparedCohort cohort) => new(FlipKernelExtension.Styled(Html.Render(Sites(cohort))));

    /// <summary>Patients, prevalence, vendor and field strength per hospital, as one chart.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <returns>The chart.</returns>
    public static GenericChart SiteDistribution(PreparedCohort cohort) => Charts.SiteDistribution(Sites(cohort));

    /// <summary>Image intensity per hospital and MR channel (mean and standard deviation over training slices): how the
    /// simulated scanners differ.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <returns>Rows: hospitals; columns: <c>T2W mean</c>, <c>T2W sd</c>, … (a Deedle frame, displays as a table).</returns>
    public static Deedle.Frame<string, string> Intensities(PreparedCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var cells = new List<(string Site, string Column, double Value)>();
        foreach (var site in cohort.Sites.Where(s => s.Site is not null))
        {
            var set = site.Train;
            int plane = set.Height * set.Width;
            var sum = new double[set.Channels];
            var squares = new double[set.Channels];
            var image = new float[set.Channels * plane];
            var mask = new long[plane];
            for (int slice = 0; slice < set.Count; slice++)
            {
                set.CopySlice(slice, image, mask);
                for (int c = 0; c < set.Channels; c++)
                {
                    foreach (float v in image.AsSpan(c * plane, plane))
                    {
                        sum[c] += v;
                        squares[c] += (double)v * v;
                    }
                }
            }

            long n = (long)set.Count * plane;
            for (int c = 0; c < set.Channels; c++)
            {
                string channel = c < SyntheticCohort.ChannelNames.Count ? SyntheticCohort.ChannelNames[c] : $"channel {c}";
                double mean = n == 0 ? double.NaN : sum[c] / n;
                cells.Add((site.Id, channel + " mean", mean));
                cells.Add((site.Id, channel + " sd", n == 0 ? double.NaN : Math.Sqrt(Math.Max(0, squares[c] / n - mean * mean))));
            }
        }

        return Deedle.Frame.FromValues(cells, x => x.Column, x => x.Site, x => x.Value);
    }

    /// <summary>One training slice per hospital (the slice with the most lesion pixels), as grey-scale images with the
    /// lesion outlined in colour: the scanners' different contrast side by side.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="channel">The MR channel: 0 = T2W, 1 = ADC, 2 = DWI.</param>
    /// <param name="zoom">Pixels per image pixel.</param>
    /// <returns>HTML that displays itself.</returns>
    public static HtmlString Slices(PreparedCohort cohort, int channel = 0, int zoom = 3)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var html = new StringBuilder("<div style=\"display:flex;flex-wrap:wrap;gap:12px\">");
        foreach (var site in cohort.Sites.Where(s => s.Site is not null))
        {
            var set = site.Train;
            int plane = set.Height * set.Width;
            var image = new float[set.Channels * plane];
            var mask = new long[plane];
            int best = 0, mostLesion = -1;
            for (int s = 0; s < set.Count; s++)
            {
                set.CopySlice(s, image, mask);
                int lesion = mask.Count(m => m > 0);
                if (lesion > mostLesion)
                {
                    (best, mostLesion) = (s, lesion);
                }
            }

            set.CopySlice(best, image, mask);
            float[] pixels = image.AsSpan(channel * plane, plane).ToArray();
            string png = Convert.ToBase64String(Png.GreyWithOutline(pixels, mask, set.Width, set.Height, zoom));
            html.Append(CultureInfo.InvariantCulture,
                $"<figure style=\"margin:0\"><img alt=\"{site.Id}\" src=\"data:image/png;base64,{png}\" width=\"{set.Width * zoom}\"/><figcaption>{System.Net.WebUtility.HtmlEncode(site.Id)} · {System.Net.WebUtility.HtmlEncode(site.Site!.Vendor)} {site.Site.FieldStrengthTesla:0.0} T</figcaption></figure>");
        }

        return new HtmlString(html.Append("</div>").ToString());
    }
}
