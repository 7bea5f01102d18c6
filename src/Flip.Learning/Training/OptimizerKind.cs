namespace Flip.Learning.Training;

/// <summary>The local optimizer a site trains with.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba, 2015).</summary>
    Adam,

    /// <summary>AdamW, Adam with decoupled weight decay (Loshchilov and Hutter, 2019).</summary>
    AdamW,

    /// <summary>SGD with momentum; the optimizer SCAFFOLD's analysis assumes (with momentum 0).</summary>
    Sgd,
}
