using System.CommandLine;
using System.Net;

namespace Flip.Cli.Commands;

/// <summary>Validators that refuse a bad option value at parse time with one sentence: the option, the value, what is expected.</summary>
internal static class OptionChecks
{
    public static Option<int> InRange(this Option<int> option, int min, int max)
    {
        option.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                r.AddError($"{option.Name} must be between {min} and {max} (got {value}); for example {option.Name} {Math.Clamp(3, min, max)}.");
            }
        });
        return option;
    }

    public static Option<int?> Port(this Option<int?> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } port && port is < 0 or > 65535)
            {
                r.AddError($"{option.Name} must be a TCP port between 0 and 65535 (got {port}); 0 picks a free port.");
            }
        });
        return option;
    }

    public static Option<string> IpAddress(this Option<string> option)
    {
        option.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string>();
            if (!IPAddress.TryParse(value, out _))
            {
                r.AddError($"{option.Name} '{value}' is not an IP address; expected one such as 127.0.0.1 (loopback) or 0.0.0.0 (every interface).");
            }
        });
        return option;
    }

    public static Option<string> ServerUrl(this Option<string> option)
    {
        option.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string>();
            if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0)
            {
                r.AddError($"{option.Name} '{value}' is not a server address; expected http://HOST:PORT or https://HOST:PORT, for example http://127.0.0.1:9092.");
            }
        });
        return option;
    }
}
