using System.Security.Cryptography;
using System.Text;
using Flip.Flower.Auth;
using Grpc.Core;

namespace Flip.Flower.Tests.Auth;

public sealed class NodeIdentityTests
{
    private static readonly byte[] SamplePublicKey = Vectors.Read("auth/public_key_spki.pem");
    private static readonly string SampleTimestamp = Encoding.ASCII.GetString(Vectors.Read("auth/timestamp.txt"));
    private static readonly byte[] SampleSignature = Vectors.Read("auth/signature_der.bin");

    [Fact]
    public void Flowers_sample_signature_verifies_with_our_verifier()
    {
        Assert.Equal(215, SamplePublicKey.Length);
        Assert.Equal("2026-01-01T00:00:00.123456+00:00", SampleTimestamp);

        Assert.True(NodeIdentity.Verify(SamplePublicKey, SampleTimestamp, SampleSignature));
    }

    [Fact]
    public void Flowers_sample_signature_fails_for_another_timestamp()
    {
        Assert.False(NodeIdentity.Verify(SamplePublicKey, "2026-01-01T00:00:00.123457+00:00", SampleSignature));
    }

    [Fact]
    public void Our_public_key_pem_has_the_bytes_pythons_cryptography_writes()
    {
        using NodeIdentity identity = NodeIdentity.FromPem(File.ReadAllText(Vectors.Path_("auth/private_key_pkcs8.pem")));

        Assert.Equal(SamplePublicKey, identity.PublicKeyPem);
    }

    [Fact]
    public void Our_signature_verifies_with_dotnets_standard_verifier_and_flowers_key_format()
    {
        using NodeIdentity identity = NodeIdentity.Create();

        byte[] signature = identity.Sign(SampleTimestamp);

        using ECDsa standard = ECDsa.Create();
        standard.ImportFromPem(Encoding.ASCII.GetString(identity.PublicKeyPem));
        Assert.Equal(384, standard.KeySize);
        Assert.True(standard.VerifyData(Encoding.ASCII.GetBytes(SampleTimestamp), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(0x30, signature[0]); // DER SEQUENCE
    }

    [Fact]
    public void The_sample_key_signs_what_flowers_key_verifies()
    {
        using NodeIdentity identity = NodeIdentity.FromPem(File.ReadAllText(Vectors.Path_("auth/private_key_pkcs8.pem")));

        Assert.True(NodeIdentity.Verify(SamplePublicKey, "2026-06-01T12:00:00+00:00", identity.Sign("2026-06-01T12:00:00+00:00")));
    }

    [Theory]
    [InlineData(123456, "2026-01-01T00:00:00.123456+00:00")]
    [InlineData(0, "2026-01-01T00:00:00+00:00")]
    [InlineData(1, "2026-01-01T00:00:00.000001+00:00")]
    public void Timestamps_are_written_as_pythons_isoformat(int micros, string expected)
    {
        var time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(micros * 10L + 7);

        Assert.Equal(expected, AuthMetadata.FormatTimestamp(time));
    }

    [Fact]
    public void Call_metadata_verifies_inside_the_window_and_not_outside()
    {
        using NodeIdentity identity = NodeIdentity.Create();
        var signedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Metadata headers = AuthMetadata.Create(identity, signedAt);

        Assert.True(AuthMetadata.TryVerify(headers, signedAt.AddSeconds(304), out byte[] key, out _));
        Assert.Equal(identity.PublicKeyPem, key);
        Assert.False(AuthMetadata.TryVerify(headers, signedAt.AddSeconds(306), out _, out string late));
        Assert.Contains("outside the accepted window", late, StringComparison.Ordinal);
        Assert.False(AuthMetadata.TryVerify(headers, signedAt.AddSeconds(-6), out _, out _));
        Assert.Equal(["flwr-public-key-bin", "flwr-timestamp", "flwr-signature-bin"], headers.Select(e => e.Key));
    }

    [Fact]
    public void LoadOrCreate_persists_the_key_with_mode_0600_and_reloads_the_same_identity()
    {
        string folder = Directory.CreateTempSubdirectory("flip-flower-key").FullName;
        string path = Path.Combine(folder, "node.pem");
        try
        {
            byte[] first;
            using (NodeIdentity created = NodeIdentity.LoadOrCreate(path))
            {
                first = created.PublicKeyPem;
            }

            using NodeIdentity loaded = NodeIdentity.LoadOrCreate(path);

            Assert.Equal(first, loaded.PublicKeyPem);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadOrCreate_refuses_a_key_file_others_can_read()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string folder = Directory.CreateTempSubdirectory("flip-flower-key").FullName;
        string path = Path.Combine(folder, "node.pem");
        try
        {
            NodeIdentity.LoadOrCreate(path).Dispose();
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

            var e = Assert.Throws<FlowerProtocolException>(() => NodeIdentity.LoadOrCreate(path));

            Assert.Equal($"Flower node authentication: the node key file {path} can be read by other users (mode 604).", e.Message);
            Assert.Equal($"run 'chmod 600 {path}'", e.Fix);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromPem_refuses_a_key_on_another_curve()
    {
        using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var e = Assert.Throws<FlowerProtocolException>(() => NodeIdentity.FromPem(p256.ExportPkcs8PrivateKeyPem()));

        Assert.Equal("Flower node authentication: the key is on a 256-bit curve; Flower expects P-384 (secp384r1).", e.Message);
    }
}
