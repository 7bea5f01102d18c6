namespace Flip.Federated.SecureAggregation;

/// <summary>
/// Runs SecAgg+ in one process between a <see cref="SecureAggregationServer"/> and one
/// <see cref="SecureAggregationSite"/> per site, passing only the protocol's messages between them:
/// setup, share-keys, collect-masked, unmask. The simulation drives it; a networked deployment would
/// carry the same messages over Flower's message API.
/// </summary>
public static class SecureAggregationProtocol
{
    /// <summary>Sums the sites' inputs so that the server learns the sum and nothing else about any one input.</summary>
    /// <param name="round">The round.</param>
    /// <param name="inputs">Each site's input, or <see langword="null"/> for a site that shares its keys and then drops out before sending its input.</param>
    /// <param name="settings">Neighbours, threshold, quantisation.</param>
    /// <param name="random">Orders the neighbour ring.</param>
    /// <returns>The sum and who is in it.</returns>
    /// <exception cref="SecureAggregationException">Too many sites dropped out to unmask, or the inputs have different lengths.</exception>
    public static SecureSum Sum(int round, IReadOnlyList<(SiteId Site, double[]? Input)> inputs, SecureAggregationSettings settings, Random random)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(settings);
        var server = new SecureAggregationServer([.. inputs.Select(i => i.Site)], settings, round, random);
        var sites = inputs.Select(i => new SecureAggregationSite(i.Site, settings, round)).ToList();
        long bytes = 0;
        try
        {
            foreach (var site in sites)
            {
                var keys = site.Setup();
                bytes += keys.EncryptionKey.Length + keys.MaskKey.Length;
                server.CollectKeys(keys);
            }

            foreach (var site in sites)
            {
                var shares = site.ShareKeys(server.KeysFor(site.Id));
                bytes += shares.Sum(s => (long)s.Ciphertext.Length);
                server.CollectShares(site.Id, shares);
            }

            foreach (var site in sites)
            {
                site.ReceiveShares(server.SharesFor(site.Id));
            }

            for (int i = 0; i < sites.Count; i++)
            {
                if (inputs[i].Input is { } input)
                {
                    var masked = sites[i].MaskInput(input);
                    bytes += 4L * masked.Values.Length;
                    server.CollectMasked(masked);
                }
            }

            var survivors = server.Survivors.Order().ToList();
            var dropped = server.Dropped;
            var replies = sites.Where(s => server.Survivors.Contains(s.Id)).Select(s => s.Unmask(survivors, dropped)).ToList();
            bytes += replies.Sum(r => 70L * (r.SelfMaskShares.Count + r.MaskKeyShares.Count));
            uint[] sum = server.Unmask(replies);
            return new SecureSum(Quantizer.DequantizeSum(sum, survivors.Count, settings.ClippingRange, settings.QuantizationRange), survivors, dropped, bytes);
        }
        finally
        {
            foreach (var site in sites)
            {
                site.Dispose();
            }
        }
    }
}
