namespace Flip.Federated;

/// <summary>Why a site's reply is missing: the only detail about a failure that leaves a site.</summary>
public enum FailureCategory
{
    /// <summary>The trainer threw.</summary>
    Trainer,

    /// <summary>The site's data could not be read.</summary>
    Data,

    /// <summary>The site missed the round's deadline (a straggler).</summary>
    Timeout,

    /// <summary>The site did not answer at all (injected or real dropout).</summary>
    Dropout,

    /// <summary>The reply was unusable: wrong layout, non-finite values.</summary>
    InvalidReply,
}
