using Flip.Flower.Auth;
using Flip.Flower.Fleet;

namespace Flip.Flower.Tests.Fleet;

/// <summary>What a node signs over its secure aggregation keys (issue #21, finding 9): the signature holds for one run, round, node id and key pair only.</summary>
public sealed class SecAggPlusKeySignatureTests
{
    [Fact]
    public void A_key_signature_holds_only_for_its_run_round_node_id_and_keys()
    {
        using NodeIdentity identity = NodeIdentity.Create();
        using NodeIdentity other = NodeIdentity.Create();
        byte[] pk1 = [1, 2, 3], pk2 = [4, 5];
        byte[] signature = identity.SignData(SecAggPlusWire.KeysToSign(runId: 1, round: 3, nodeId: 77, pk1, pk2));

        Assert.True(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 3, 77, pk1, pk2), signature));
        Assert.False(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(2, 3, 77, pk1, pk2), signature));   // another run
        Assert.False(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 4, 77, pk1, pk2), signature));   // a replay in a later round
        Assert.False(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 3, 78, pk1, pk2), signature));   // the keys under another node id
        Assert.False(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 3, 77, pk2, pk1), signature));   // the keys swapped
        Assert.False(NodeIdentity.VerifyData(identity.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 3, 77, [1, 2], [3, 4, 5]), signature)); // same bytes, other split
        Assert.False(NodeIdentity.VerifyData(other.PublicKeyPem, SecAggPlusWire.KeysToSign(1, 3, 77, pk1, pk2), signature));      // another node's key
    }
}
