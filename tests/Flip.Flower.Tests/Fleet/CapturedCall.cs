using Flip.Flower.Wire;
using Google.Protobuf;

namespace Flip.Flower.Tests.Fleet;

/// <summary>One call of the captured SuperLink ⇄ SuperNode session (flower-vectors/captured).</summary>
internal sealed record CapturedCall(int Number, string Method, byte[] Request, byte[] Response)
{
    public bool Used { get; set; }

    public static IReadOnlyList<CapturedCall> LoadAll()
    {
        var calls = new List<CapturedCall>();
        foreach (string req in Directory.GetFiles(Vectors.Path_("captured"), "*.req.bin").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(req);
            string[] parts = name.Split('_', 2);
            string method = parts[1][..parts[1].IndexOf('.', StringComparison.Ordinal)];
            calls.Add(new CapturedCall(int.Parse(parts[0]), method, File.ReadAllBytes(req), File.ReadAllBytes(req.Replace(".req.", ".res.", StringComparison.Ordinal))));
        }

        return calls;
    }

    public IMessage ParseRequest() => Method switch
    {
        "RegisterNode" => RegisterNodeFleetRequest.Parser.ParseFrom(Request),
        "ActivateNode" => ActivateNodeRequest.Parser.ParseFrom(Request),
        "DeactivateNode" => DeactivateNodeRequest.Parser.ParseFrom(Request),
        "UnregisterNode" => UnregisterNodeFleetRequest.Parser.ParseFrom(Request),
        "SendNodeHeartbeat" => SendNodeHeartbeatRequest.Parser.ParseFrom(Request),
        "PullMessages" => PullMessagesRequest.Parser.ParseFrom(Request),
        "PushMessages" => PushMessagesRequest.Parser.ParseFrom(Request),
        "PullObject" => PullObjectRequest.Parser.ParseFrom(Request),
        "PushObject" => PushObjectRequest.Parser.ParseFrom(Request),
        "ConfirmMessageReceived" => ConfirmMessageReceivedRequest.Parser.ParseFrom(Request),
        _ => throw new InvalidOperationException(Method),
    };

    /// <summary>The node a request belongs to: its public key for Register/Activate, else its node id.</summary>
    public (ByteString? Key, ulong NodeId) Owner() => ParseRequest() switch
    {
        RegisterNodeFleetRequest r => (r.PublicKey, 0),
        ActivateNodeRequest r => (r.PublicKey, 0),
        DeactivateNodeRequest r => (null, r.NodeId),
        UnregisterNodeFleetRequest r => (null, r.NodeId),
        SendNodeHeartbeatRequest r => (null, r.Node.NodeId),
        PullMessagesRequest r => (null, r.Node.NodeId),
        PushMessagesRequest r => (null, r.Node.NodeId),
        PullObjectRequest r => (null, r.Node.NodeId),
        PushObjectRequest r => (null, r.Node.NodeId),
        ConfirmMessageReceivedRequest r => (null, r.Node.NodeId),
        _ => throw new InvalidOperationException(Method),
    };
}
