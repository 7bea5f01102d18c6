using System.Text.Json;

namespace Flip.Federated.Tests.ParameterSets;

public sealed class ParameterSetTests
{
    [Fact]
    public void Create_rejects_a_repeated_name()
    {
        var error = Assert.Throws<ArgumentException>(() => ParameterSet.Create(ParameterArray.Float32("w", 1), ParameterArray.Float32("w", 2)));

        Assert.StartsWith("Parameter `w` appears twice", error.Message);
    }

    [Fact]
    public void Float32_rejects_a_shape_that_does_not_match_the_values()
    {
        var error = Assert.Throws<ArgumentException>(() => ParameterArray.Float32("conv.weight", [2, 3], [1, 2, 3, 4, 5]));

        Assert.Equal("Parameter `conv.weight` has shape [2,3] (6 elements) but 5 values were given.", error.Message);
    }

    [Fact]
    public void Factories_copy_so_the_set_stays_immutable()
    {
        float[] values = [1, 2, 3];
        var array = ParameterArray.Float32("w", values);

        values[0] = 99;

        Assert.Equal(1f, array.AsFloat32().Span[0]);
    }

    [Fact]
    public void AdoptFloat32_takes_the_buffer_without_copying_and_checks_the_shape()
    {
        float[] buffer = [1, 2, 3, 4, 5, 6];

        var array = ParameterArray.AdoptFloat32("conv.weight", [2, 3], buffer);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(array.AsFloat32(), out var segment) && ReferenceEquals(segment.Array, buffer));
        Assert.Throws<ArgumentException>(() => ParameterArray.AdoptFloat32("conv.weight", [4], buffer));
    }

    [Fact]
    public void Int64_entries_are_carried_with_their_scalar_shape()
    {
        var set = ParameterSet.Create(ParameterArray.Float32("bn.weight", 1, 2), ParameterArray.Int64("bn.num_batches_tracked", [], [42]));

        Assert.Equal(3, set.ElementCount);
        Assert.Equal("bn.num_batches_tracked int64 []", set["bn.num_batches_tracked"].Spec.ToString());
        Assert.Equal(42L, set["bn.num_batches_tracked"].AsInt64().Span[0]);
    }

    [Fact]
    public void Where_and_Replace_keep_the_order_of_the_set()
    {
        var set = ParameterSet.Create(ParameterArray.Float32("a", 1), ParameterArray.Float32("bn", 2), ParameterArray.Float32("c", 3));

        var kept = set.Where(a => a.Name != "bn");
        var replaced = set.Replace(ParameterSet.Create(ParameterArray.Float32("bn", 20), ParameterArray.Float32("unknown", 5)));

        Assert.Equal(["a", "c"], kept.Names);
        Assert.Equal(["a", "bn", "c"], replaced.Names);
        Assert.Equal(20f, replaced["bn"].AsFloat32().Span[0]);
    }

    [Fact]
    public void Indexer_names_the_missing_key()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ParameterSet.Create(ParameterArray.Float32("a", 1))["decoder.2.weight"]);

        Assert.Equal("The parameter set has no array `decoder.2.weight`.", error.Message);
    }

    [Theory]
    [MemberData(nameof(LayoutDifferences))]
    public void Layout_difference_names_the_first_differing_key_and_the_site(ParameterSet actual, string expected)
    {
        var global = ParameterSet.Create(
            ParameterArray.Float32("enc.weight", [2, 2], [1, 2, 3, 4]),
            ParameterArray.Float32("dec.weight", [3], [1, 2, 3]));

        Assert.Equal(expected, global.Layout.DescribeDifference(actual.Layout, "site-4"));
    }

    public static TheoryData<ParameterSet, string> LayoutDifferences() => new()
    {
        {
            ParameterSet.Create(ParameterArray.Float32("enc.weight", [4], [1, 2, 3, 4]), ParameterArray.Float32("dec.weight", [3], [1, 2, 3])),
            "site-4 sent `enc.weight` as [4], the global model has [2,2]."
        },
        {
            ParameterSet.Create(ParameterArray.Float32("enc.weight", [2, 2], [1, 2, 3, 4])),
            "site-4 did not send `dec.weight`, which the global model has as [3] float32."
        },
        {
            ParameterSet.Create(ParameterArray.Float32("enc.weight", [2, 2], [1, 2, 3, 4]), ParameterArray.Float64("dec.weight", [3], [1, 2, 3])),
            "site-4 sent `dec.weight` as float64, the global model has float32."
        },
        {
            ParameterSet.Create(ParameterArray.Float32("enc.weight", [2, 2], [1, 2, 3, 4]), ParameterArray.Float32("dec.weight", [3], [1, 2, 3]), ParameterArray.Float32("extra", 1)),
            "site-4 sent `extra` ([1]), which the global model does not have."
        },
        {
            ParameterSet.Create(ParameterArray.Float32("dec.weight", [3], [1, 2, 3]), ParameterArray.Float32("enc.weight", [2, 2], [1, 2, 3, 4])),
            "site-4 sent the arrays in another order: position 0 is `dec.weight`, the global model has `enc.weight` there."
        },
    };

    [Fact]
    public void SiteState_refuses_to_be_serialised()
    {
        var state = new SiteState { ControlVariate = ParameterSet.Create(ParameterArray.Float32("w", 1)) };

        var error = Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(state));

        Assert.Contains("SiteState never leaves the site", error.Message);
    }

    [Fact]
    public void SiteId_rejects_characters_that_do_not_belong_in_a_file_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new SiteId("site 4,a"));

        Assert.StartsWith("Site id \"site 4,a\" has the character ' '", error.Message);
    }
}
