using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flip.Federated;

/// <summary>
/// What persists at a site between rounds and must never leave it: FedBN's normalisation layers,
/// SCAFFOLD's control variate cᵢ, the trainer's optimizer state. It has no wire mapping, and
/// serialising it with System.Text.Json throws.
/// </summary>
[JsonConverter(typeof(SiteStateRefusingConverter))]
public sealed class SiteState
{
    private readonly Dictionary<Type, object> _items = [];
    private SiteState? _fineTuning;

    /// <summary>The parameters kept at the site (FedBN's normalisation layers, a local-only model).</summary>
    /// <value><see langword="null"/> until the site has trained with local parameters.</value>
    public ParameterSet? LocalParameters { get; set; }

    /// <summary>SCAFFOLD's site control variate cᵢ; a trainer treats <see langword="null"/> as zero.</summary>
    /// <value><see langword="null"/> until this site's first SCAFFOLD round has finished (cᵢ starts at zero).</value>
    public ParameterSet? ControlVariate { get; set; }

    /// <summary>The number of rounds this site has trained in.</summary>
    public int RoundsTrained { get; internal set; }

    /// <summary>The separate state of per-site fine-tuning, so tuning never disturbs the training state.</summary>
    public SiteState FineTuning => _fineTuning ??= new SiteState();

    /// <summary>The trainer's own state of a type (an optimizer, a scheduler), created on first use.</summary>
    /// <typeparam name="T">The state type; one value per type.</typeparam>
    /// <param name="create">Creates the state the first time.</param>
    /// <returns>The state.</returns>
    public T GetOrAdd<T>(Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_items)
        {
            if (_items.TryGetValue(typeof(T), out var existing))
            {
                return (T)existing;
            }

            var created = create();
            _items[typeof(T)] = created;
            return created;
        }
    }

    /// <summary>Replaces the trainer's state of a type.</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="value">The new state.</param>
    public void Set<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_items)
        {
            _items[typeof(T)] = value;
        }
    }

    /// <summary>The trainer's state of a type, when there is one.</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="value">The state, when present.</param>
    /// <returns>Whether it was present.</returns>
    public bool TryGet<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value)
        where T : class
    {
        lock (_items)
        {
            if (_items.TryGetValue(typeof(T), out var existing))
            {
                value = (T)existing;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>
    /// The parameter parts of this state (kept layers, cᵢ, rounds trained) for the in-process
    /// simulation's site-local checkpoint; the trainer's own objects are not included.
    /// </summary>
    internal ParameterSet? ToCheckpoint()
    {
        if (LocalParameters is null && ControlVariate is null)
        {
            return null;
        }

        var arrays = new List<ParameterArray> { ParameterArray.Int64("rounds-trained", [1], [RoundsTrained]) };
        arrays.AddRange((LocalParameters ?? ParameterSet.Empty).Select(a => a.Rename("local/" + a.Name)));
        arrays.AddRange((ControlVariate ?? ParameterSet.Empty).Select(a => a.Rename("control/" + a.Name)));
        return ParameterSet.Create(arrays);
    }

    /// <summary>Restores what <see cref="ToCheckpoint"/> wrote.</summary>
    internal void RestoreCheckpoint(ParameterSet checkpoint)
    {
        RoundsTrained = (int)checkpoint["rounds-trained"].AsInt64().Span[0];
        ParameterSet? Part(string prefix)
        {
            var arrays = checkpoint.Where(a => a.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(a => a.Rename(a.Name[prefix.Length..])).ToList();
            return arrays.Count == 0 ? null : ParameterSet.Create(arrays);
        }

        LocalParameters = Part("local/");
        ControlVariate = Part("control/");
    }

    private sealed class SiteStateRefusingConverter : JsonConverter<SiteState>
    {
        public override SiteState Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => throw new NotSupportedException("SiteState is never read from outside the site.");

        public override void Write(Utf8JsonWriter writer, SiteState value, JsonSerializerOptions options)
            => throw new NotSupportedException("SiteState never leaves the site: it holds FedBN layers, SCAFFOLD's cᵢ and optimizer state.");
    }
}
