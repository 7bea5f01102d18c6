using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// A site's side of SecAgg+ for one round: makes its keys, shares its secrets with its neighbours,
/// masks its input, and helps unmask the sum. Keys and seeds are fresh per round and never leave
/// the site except as Shamir shares encrypted to a neighbour.
/// </summary>
/// <remarks>
/// Bonawitz et al., 2017, "Practical Secure Aggregation for Privacy-Preserving Machine Learning",
/// CCS, Figure 4 (rounds 0–4, without the consistency check of the active-adversary variant), with
/// SecAgg+'s neighbour graph (Bell et al., 2020) as in Flower's <c>secaggplus_mod</c>. The order of
/// calls is <see cref="Setup"/>, <see cref="ShareKeys"/>, <see cref="ReceiveShares"/>,
/// <see cref="MaskInput"/>, <see cref="Unmask"/>.
/// </remarks>
public sealed class SecureAggregationSite : IDisposable
{
    private const int ShareValueBytes = 66; // a value mod 2⁵²¹ − 1
    private static readonly byte[] ShareKeyLabel = Encoding.ASCII.GetBytes("flip-secagg share key");
    private static readonly byte[] MaskSeedLabel = Encoding.ASCII.GetBytes("flip-secagg pairwise mask");

    private readonly SecureAggregationSettings _settings;
    private readonly int _round;
    private readonly ECDiffieHellman _encryptionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDiffieHellman _maskKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _selfMaskSeed = RandomNumberGenerator.GetBytes(MaskGenerator.SeedBytes);
    private readonly Dictionary<SiteId, SiteKeys> _neighbours = [];
    private readonly Dictionary<SiteId, (ShamirShare SelfMask, ShamirShare MaskKey)> _held = [];
    private bool _masked;

    /// <summary>Creates a site's state for one round.</summary>
    /// <param name="site">The site.</param>
    /// <param name="settings">The round's settings.</param>
    /// <param name="round">The round (bound into every encrypted share).</param>
    public SecureAggregationSite(SiteId site, SecureAggregationSettings settings, int round)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Id = site;
        _settings = settings;
        _round = round;
    }

    /// <summary>The site.</summary>
    public SiteId Id { get; }

    /// <summary>Stage setup: the two public keys to publish.</summary>
    /// <returns>The keys.</returns>
    public SiteKeys Setup() => new(Id, _encryptionKey.ExportSubjectPublicKeyInfo(), _maskKey.ExportSubjectPublicKeyInfo());

    /// <summary>
    /// Stage share-keys: splits the self-mask seed and the mask private key into Shamir shares, one
    /// per holder (the neighbours and this site), keeps its own, and encrypts the others.
    /// </summary>
    /// <param name="neighbours">The neighbours' public keys, as the server relays them.</param>
    /// <returns>One encrypted share per neighbour, for the server to route.</returns>
    public IReadOnlyList<EncryptedShare> ShareKeys(IReadOnlyCollection<SiteKeys> neighbours)
    {
        ArgumentNullException.ThrowIfNull(neighbours);
        foreach (var keys in neighbours)
        {
            if (keys.Site == Id)
            {
                continue;
            }

            _neighbours[keys.Site] = keys;
        }

        var holders = Holders();
        int threshold = _settings.Threshold(holders.Count);
        var selfShares = ShamirSecretSharing.Split(_selfMaskSeed, holders.Count, threshold);
        byte[] privateKey = _maskKey.ExportParameters(includePrivateParameters: true).D!;
        var keyShares = ShamirSecretSharing.Split(privateKey, holders.Count, threshold);
        CryptographicOperations.ZeroMemory(privateKey);
        var sent = new List<EncryptedShare>(holders.Count - 1);
        for (int i = 0; i < holders.Count; i++)
        {
            if (holders[i] == Id)
            {
                _held[Id] = (selfShares[i], keyShares[i]);
                continue;
            }

            var plaintext = new byte[4 + (2 * ShareValueBytes)];
            BinaryPrimitives.WriteInt32LittleEndian(plaintext, selfShares[i].X);
            RightAlign(plaintext.AsSpan(4, ShareValueBytes), selfShares[i].Y);
            RightAlign(plaintext.AsSpan(4 + ShareValueBytes, ShareValueBytes), keyShares[i].Y);
            sent.Add(new EncryptedShare(Id, holders[i], Encrypt(holders[i], plaintext)));
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return sent;
    }

    /// <summary>Stage share-keys, second half: decrypts and keeps the shares the neighbours sent this site.</summary>
    /// <param name="shares">The shares the server routed to this site.</param>
    /// <exception cref="SecureAggregationException">A share is not addressed to this site, comes from a non-neighbour, or does not decrypt.</exception>
    public void ReceiveShares(IEnumerable<EncryptedShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        foreach (var share in shares)
        {
            if (share.To != Id || !_neighbours.ContainsKey(share.From))
            {
                throw new SecureAggregationException($"Round {_round}: {Id} received a share from {share.From} addressed to {share.To}; only shares from its neighbours to itself are expected.");
            }

            byte[] plaintext = Decrypt(share);
            int x = BinaryPrimitives.ReadInt32LittleEndian(plaintext);
            var selfMask = new BigInteger(plaintext.AsSpan(4, ShareValueBytes), isUnsigned: true, isBigEndian: true);
            var maskKey = new BigInteger(plaintext.AsSpan(4 + ShareValueBytes, ShareValueBytes), isUnsigned: true, isBigEndian: true);
            _held[share.From] = (new ShamirShare(x, selfMask), new ShamirShare(x, maskKey));
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Stage collect-masked: quantises the input, adds the self mask PRG(bᵢ), and for every neighbour j
    /// whose shares arrived adds PRG(sᵢⱼ) when i sorts before j and subtracts it otherwise.
    /// </summary>
    /// <remarks>
    /// A neighbour whose shares never arrived dropped out before it shared its secrets, so the server
    /// could not remove a mask agreed with it; it is left out, as Flower's <c>secaggplus_mod</c> masks only
    /// against the sources of the shares it received. With fewer shares held than the threshold the
    /// site refuses: too few neighbours are left for its input to be hidden among theirs.
    /// </remarks>
    /// <param name="values">The site's input, already scaled by its weight.</param>
    /// <returns>The masked input.</returns>
    /// <exception cref="SecureAggregationException">This site holds fewer shares (its own included) than the threshold.</exception>
    public MaskedInput MaskInput(ReadOnlySpan<double> values)
    {
        int threshold = _settings.Threshold(Holders().Count);
        if (_held.Count < threshold)
        {
            throw new SecureAggregationException($"Round {_round}: {Id} holds shares from {_held.Count - 1} neighbour(s), fewer than the threshold {threshold} needs with its own; it does not send its input.");
        }

        uint[] masked = Quantizer.Quantize(values, _settings.ClippingRange, _settings.QuantizationRange);
        MaskGenerator.Apply(masked, _selfMaskSeed, +1);
        foreach (var neighbour in _neighbours.Values.Where(n => _held.ContainsKey(n.Site)))
        {
            byte[] seed = PairwiseSeed(_maskKey, neighbour.MaskKey);
            MaskGenerator.Apply(masked, seed, PairwiseSign(Id, neighbour.Site));
            CryptographicOperations.ZeroMemory(seed);
        }

        _masked = true;
        return new MaskedInput(Id, masked);
    }

    /// <summary>
    /// Stage unmask: the shares the server needs, and no more — a self-mask share for each neighbour
    /// that sent its input, a mask-key share for each that dropped.
    /// </summary>
    /// <param name="survivors">The sites whose masked input reached the server.</param>
    /// <param name="dropped">The sites that shared keys but sent no input.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="SecureAggregationException">A site is listed as both, this site is listed as dropped, or fewer survivors than the threshold are listed.</exception>
    public UnmaskReply Unmask(IReadOnlyCollection<SiteId> survivors, IReadOnlyCollection<SiteId> dropped)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        ArgumentNullException.ThrowIfNull(dropped);
        var alive = survivors.ToHashSet();
        var gone = dropped.ToHashSet();
        if (alive.Overlaps(gone) || gone.Contains(Id) || !_masked)
        {
            throw new SecureAggregationException($"Round {_round}: {Id} was asked to unmask with a site listed both as survivor and dropped, or before it sent its own input; it refuses, so no input can be unmasked alone.");
        }

        var selfMasks = new Dictionary<SiteId, ShamirShare>();
        var maskKeys = new Dictionary<SiteId, ShamirShare>();
        foreach (var (owner, shares) in _held)
        {
            if (alive.Contains(owner))
            {
                selfMasks[owner] = shares.SelfMask;
            }
            else if (gone.Contains(owner))
            {
                maskKeys[owner] = shares.MaskKey;
            }
        }

        return new UnmaskReply(Id, selfMasks, maskKeys);
    }

    /// <summary>Forgets the keys.</summary>
    public void Dispose()
    {
        _encryptionKey.Dispose();
        _maskKey.Dispose();
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
    }

    /// <summary>+1 when <paramref name="self"/> sorts before <paramref name="other"/> (it adds the pair's mask), −1 otherwise.</summary>
    internal static int PairwiseSign(SiteId self, SiteId other) => self.CompareTo(other) < 0 ? 1 : -1;

    /// <summary>The pairwise mask seed: SHA-256 over a label and the ECDH secret of the two mask keys.</summary>
    internal static byte[] PairwiseSeed(ECDiffieHellman own, byte[] otherPublicKey)
    {
        using var other = ECDiffieHellman.Create();
        other.ImportSubjectPublicKeyInfo(otherPublicKey, out _);
        return own.DeriveKeyFromHash(other.PublicKey, HashAlgorithmName.SHA256, MaskSeedLabel, null);
    }

    private List<SiteId> Holders() => [.. _neighbours.Keys.Append(Id).Order()];

    private static void RightAlign(Span<byte> target, BigInteger value)
    {
        target.Clear();
        int length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(target[(target.Length - length)..], out _, isUnsigned: true, isBigEndian: true);
    }

    private byte[] Encrypt(SiteId to, byte[] plaintext)
    {
        byte[] key = ShareKey(_neighbours[to].EncryptionKey);
        var result = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(result.AsSpan(0, 12), plaintext, result.AsSpan(12, plaintext.Length), result.AsSpan(12 + plaintext.Length), Associated(Id, to));
        CryptographicOperations.ZeroMemory(key);
        return result;
    }

    private byte[] Decrypt(EncryptedShare share)
    {
        byte[] key = ShareKey(_neighbours[share.From].EncryptionKey);
        int length = share.Ciphertext.Length - 28;
        if (length != 4 + (2 * ShareValueBytes))
        {
            throw new SecureAggregationException($"Round {_round}: the share from {share.From} to {Id} is {share.Ciphertext.Length} bytes, expected {12 + 4 + (2 * ShareValueBytes) + 16}.");
        }

        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(share.Ciphertext.AsSpan(0, 12), share.Ciphertext.AsSpan(12, length), share.Ciphertext.AsSpan(12 + length), plaintext, Associated(share.From, Id));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SecureAggregationException($"Round {_round}: the share from {share.From} to {Id} fails its authentication tag; it was altered on the way or encrypted for another site or round.", inner: e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return plaintext;
    }

    private byte[] ShareKey(byte[] otherPublicKey)
    {
        using var other = ECDiffieHellman.Create();
        other.ImportSubjectPublicKeyInfo(otherPublicKey, out _);
        return _encryptionKey.DeriveKeyFromHash(other.PublicKey, HashAlgorithmName.SHA256, ShareKeyLabel, null);
    }

    private byte[] Associated(SiteId from, SiteId to) => Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_round}\n{from}\n{to}"));
}
