namespace Flip.Flower.Apps;

/// <summary>What the <c>num-examples</c> of a reply counts: the weight a server's FedAvg gives the node.</summary>
public enum ExampleCount
{
    /// <summary>The site's own count: its training slices for train, its test patients for evaluate (FLIP's behaviour).</summary>
    Site,

    /// <summary>The batch size the app sent (a node that trains and evaluates one batch, as the U-Net app's nodes do).</summary>
    Batch,

    /// <summary>The slices the node trained on: local steps × batch size (evaluate: the batch size).</summary>
    StepsTimesBatch,
}
