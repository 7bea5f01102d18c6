using System.CommandLine;
using Flip.Flower.Fleet;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research dev-certs</c>: a local CA and certificates for trying TLS and mutual TLS on one machine.</summary>
internal static class DevCertsCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder for the PEM files (must not already hold a ca.pem).", Required = true };
        var nodes = new Option<string>("--nodes") { Description = "Comma-separated node names that get a client certificate for mutual TLS, e.g. site-1,site-2." };
        var days = new Option<int>("--days") { Description = "Validity in days.", DefaultValueFactory = _ => 30 };
        days.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 3650) r.AddError("--days must be between 1 and 3650."); });
        var command = new Command("dev-certs",
            "Make a local certificate authority for testing TLS: ca.pem, server.pem/server-key.pem (localhost, 127.0.0.1, ::1) and, " +
            "per node, NODE.pem/NODE-key.pem for mutual TLS. Keys are written with mode 0600. For testing only; use your institution's CA in production.\n\n" +
            "Example:\n  flip-research dev-certs --out certs --nodes site-1,site-2\n" +
            "  flip-research serve --tls-cert certs/server.pem --tls-key certs/server-key.pem --tls-client-ca certs/ca.pem\n" +
            "  flip-research client --server https://localhost:9092 --tls-ca certs/ca.pem --tls-cert certs/site-1.pem --tls-key certs/site-1-key.pem --site site-1")
        {
            output, nodes, days,
        };
        command.SetAction(parse =>
        {
            string[] names = (parse.GetValue(nodes) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            IReadOnlyList<string> files = DevCertificates.Write(parse.GetValue(output)!, names, TimeSpan.FromDays(parse.GetValue(days)));
            foreach (string file in files)
            {
                console.MarkupLineInterpolated($"wrote {file}");
            }

            console.MarkupLineInterpolated($"A development CA with a server certificate and {names.Length} node certificate(s), valid {parse.GetValue(days)} day(s). Testing only.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
