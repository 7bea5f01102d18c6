using Flip.Datasets.Preprocessing;

namespace Flip.Datasets.Tests;

/// <summary>The one check that a path built from outside names stays inside its cache folder (issue #21, finding 7).</summary>
public sealed class CachePathTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "flip-cache-path", "cache");

    [Theory]
    [InlineData("../escaped")]
    [InlineData("a/../../escaped")]
    [InlineData("/etc/passwd")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a\0b")]
    public void A_name_that_leaves_the_folder_or_is_the_folder_gives_no_path(string name)
    {
        Assert.Null(CachePath.Below(Root, "dicomweb", "site-1", "..", "..", "..", "x"));
        Assert.Null(CachePath.Below(Root, name));
    }

    [Fact]
    public void A_path_into_a_sibling_folder_that_shares_the_prefix_is_outside()
    {
        // <root>-other starts with the root's text but is not inside it.
        Assert.Null(CachePath.Below(Root, "../cache-other/file"));
    }

    [Fact]
    public void Names_below_the_folder_give_the_full_path()
    {
        Assert.Equal(Path.Combine(Root, "dicomweb", "site-1", "1.2.3", "1.2.3.4.dcm"), CachePath.Below(Root, "dicomweb", "site-1", "1.2.3", "1.2.3.4.dcm"));
        Assert.Equal(Path.Combine(Root, "b"), CachePath.Below(Root, "a/../b"));
    }

    [Theory]
    [InlineData("../../../../../../tmp/escaped-sample-entry-0000000000000000000000000000000000")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("abc")]
    public void A_sample_cache_key_that_is_not_a_SHA256_is_refused(string key)
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("flip-sample-cache-");
        try
        {
            var cache = new SampleCache(folder.FullName);

            ArgumentException error = Assert.Throws<ArgumentException>(() => cache.PathOf(key));

            Assert.StartsWith($"a sample cache key is 64 lower-case hex digits (SampleCache.Key); got {key.Length} characters.", error.Message, StringComparison.Ordinal);
            string valid = new('a', 64);
            Assert.Equal(Path.Combine(folder.FullName, "aa", valid + ".samples"), cache.PathOf(valid));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
