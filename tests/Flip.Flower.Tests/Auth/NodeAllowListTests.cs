using System.Text;
using Flip.Flower.Auth;

namespace Flip.Flower.Tests.Auth;

/// <summary>The authorized-keys file: PEM keys, Flower's CSV of OpenSSH keys, and one-line errors naming the line.</summary>
public sealed class NodeAllowListTests : IDisposable
{
    // Made with: ssh-keygen -t ecdsa -b 384 -C site-3@hospital; the PEM is 'ssh-keygen -e -m PKCS8' of the same key,
    // and the fingerprint is 'openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64 | tr -d ='.
    private const string OpenSshKey = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBN9vNIhQI61OXaHmg8s9IldZj3D/tkvUMXy8S9YuKs86xpoDL8WC/SlOdutRJt9Io9qRV121fr5UZhH/RctVRv6YGWRfuz952Zh1BHATTS+ORwibHQHLsBfFfMbhyCmONg== site-3@hospital";
    private const string SamePem = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE3280iFAjrU5doeaDyz0iV1mPcP+2S9Qx\nfLxL1i4qzzrGmgMvxYL9KU5261Em30ij2pFXXbV+vlRmEf9Fy1VG/pgZZF+7P3nZ\nmHUEcBNNL45HCJsdAcuwF8V8xuHIKY42\n-----END PUBLIC KEY-----\n";
    private const string OpenSslFingerprint = "SHA256:fOX2qfWz4e1CkbOtuCVEgB2wlGt3clkwodTLm/wzi3w";
    private const string P256OpenSshKey = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPXSpAiycx4SeiUBLs0adBgCvLhaPV0LzTrHOOvfH2RmuOS8b7/MY5qYi6KCZ/NKf5Lj92gdTVQFcjIbQm9GH1s= p256";

    private readonly string _folder = Directory.CreateTempSubdirectory("flip-allow-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_folder, "authorized-keys.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void An_openssh_key_and_its_pem_form_are_the_same_key_with_openssls_fingerprint()
    {
        NodeAllowList fromSsh = NodeAllowList.Load(Write(OpenSshKey + "\n"));
        NodeAllowList fromPem = NodeAllowList.Load(Write(SamePem));

        Assert.Equal([OpenSslFingerprint], fromSsh.Fingerprints);
        Assert.Equal([OpenSslFingerprint], fromPem.Fingerprints);
        Assert.True(fromSsh.Contains(Encoding.ASCII.GetBytes(SamePem), out string fingerprint));
        Assert.Equal(OpenSslFingerprint, fingerprint);
    }

    [Fact]
    public void A_file_mixes_comments_pem_blocks_and_flowers_comma_separated_openssh_keys()
    {
        using NodeIdentity a = NodeIdentity.Create();
        using NodeIdentity b = NodeIdentity.Create();
        using NodeIdentity stranger = NodeIdentity.Create();
        string file = Write($"# hospitals of the study\n{Encoding.ASCII.GetString(a.PublicKeyPem)}\n{OpenSshKey},  {OpenSshKey}\n\n{Encoding.ASCII.GetString(b.PublicKeyPem)}");

        NodeAllowList list = NodeAllowList.Load(file);

        Assert.Equal(3, list.Count);
        Assert.True(list.Contains(a.PublicKeyPem, out string fa));
        Assert.Equal(a.Fingerprint, fa);
        Assert.True(list.Contains(b.PublicKeyPem, out _));
        Assert.False(list.Contains(stranger.PublicKeyPem, out string fs));
        Assert.Equal(stranger.Fingerprint, fs);
        Assert.False(list.Contains("not a key"u8, out string unreadable));
        Assert.Equal("unreadable key", unreadable);
    }

    [Theory]
    [InlineData("# only a comment\n", "authorized-keys.txt: no public keys found; expected PEM public keys or OpenSSH 'ecdsa-sha2-nistp384 AAAA…' lines.")]
    [InlineData("# a\n" + P256OpenSshKey + "\n", "authorized-keys.txt line 2: found 'ecdsa-sha2-nistp256 AAAA…', which is neither a PEM block nor an OpenSSH 'ecdsa-sha2-nistp384' key; expected a PEM public key or an OpenSSH 'ecdsa-sha2-nistp384 AAAA…' key.")]
    [InlineData("ecdsa-sha2-nistp384 AAAAbroken\n", "authorized-keys.txt line 1: found an OpenSSH key whose base64 body does not hold a P-384 point")]
    [InlineData("\n-----BEGIN PUBLIC KEY-----\nMHYw\n", "authorized-keys.txt line 2: found a PEM block without its -----END----- line; expected")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMHYw\n-----END CERTIFICATE-----\n", "authorized-keys.txt line 1: found a PEM block that is not a public key (-----BEGIN PUBLIC KEY-----); expected")]
    public void A_bad_entry_is_refused_naming_the_file_line_and_what_was_expected(string text, string start)
    {
        string path = Write(text);

        var e = Assert.Throws<FlipException>(() => NodeAllowList.Load(path));

        Assert.StartsWith(Path.Combine(_folder, start), e.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.NotNull(e.Fix);
    }

    [Fact]
    public void A_p256_pem_key_is_refused_because_flower_nodes_sign_with_p384()
    {
        using var p256 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        string path = Write("\n\n" + p256.ExportSubjectPublicKeyInfoPem());

        var e = Assert.Throws<FlipException>(() => NodeAllowList.Load(path));

        Assert.Equal($"{path} line 3: found an EC key on a 256-bit curve; Flower nodes sign with P-384 (secp384r1); expected a PEM public key or an OpenSSH 'ecdsa-sha2-nistp384 AAAA…' key.", e.Message);
    }
}
