namespace Flip;

/// <summary>The process exit codes of every FLIP Research command, each with a help sentence.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An internal error: a bug. Details are in the log, never on the console.</summary>
    public const int InternalError = 1;

    /// <summary>The command line was wrong: unknown verb or option, or an invalid value.</summary>
    public const int BadCommandLine = 2;

    /// <summary>Input data was wrong: a DICOM file, a manifest, a NIfTI header, a notebook.</summary>
    public const int BadInput = 3;

    /// <summary>The environment is not usable: a native library, a missing tool, a disk.</summary>
    public const int Environment = 4;

    /// <summary>The network or a protocol peer failed: a Flower server, a PACS.</summary>
    public const int Network = 5;

    /// <summary>A run could not finish, for example because too few sites answered.</summary>
    public const int RunFailed = 6;

    /// <summary>
    /// A served study ran but failed: a round aggregated no update, or fewer rounds completed than asked.
    /// The server prints a one-line summary; its run folder holds what there is.
    /// </summary>
    public const int StudyFailed = 7;

    /// <summary>The help sentence of an exit code.</summary>
    /// <param name="code">An exit code.</param>
    /// <returns>One sentence.</returns>
    public static string Describe(int code) => code switch
    {
        Ok => "success",
        InternalError => "internal error (a bug); details are in the log",
        BadCommandLine => "bad command line",
        BadInput => "bad input data",
        Environment => "the environment is not usable (native library, tool, disk)",
        Network => "network or protocol failure",
        RunFailed => "the run failed",
        StudyFailed => "the study failed: a round aggregated no update, or fewer rounds completed than asked",
        _ => "unknown exit code",
    };
}
