using System.Net;
using System.Net.Sockets;
using Orvirt.Testing;

namespace Orvirt.Client.Tests.Cli;

/// <summary>The real binary without a server: usage errors, help and connection failures.</summary>
public sealed class CliUsageTests
{
    [Theory]
    [InlineData(new[] { "vm", "create", "web" }, "Option '--cpu' is required")]
    [InlineData(new[] { "vm", "create", "web", "--cpu", "two", "--memory", "1Gi" }, "--cpu: 'two' is not a number of vCPUs")]
    [InlineData(new[] { "vm", "create", "web", "--cpu", "1", "--memory", "1GB" }, "--memory: '1GB' is not a quantity")]
    [InlineData(new[] { "vm", "create", "web", "--cpu", "1", "--memory", "1Gi", "--run-strategy", "Sometimes" }, "--run-strategy: 'Sometimes' is not a run strategy; use one of Always")]
    [InlineData(new[] { "vm", "create", "web", "--cpu", "1", "--memory", "1Gi", "--label", "novalue" }, "--label: 'novalue' is not key=value")]
    [InlineData(new[] { "vm", "list", "-o", "xml" }, "--output: 'xml' is not an output format")]
    [InlineData(new[] { "vm", "list", "-n", "a", "-A" }, "-n and -A cannot be used together")]
    [InlineData(new[] { "vm", "wait", "web", "--for", "Flying" }, "--for: 'Flying' is not a status")]
    [InlineData(new[] { "vm", "wait", "web", "--for", "Running", "--timeout", "soon" }, "--timeout: 'soon' is not a positive duration")]
    [InlineData(new[] { "vm", "stop", "web", "--grace-period", "-3" }, "--grace-period: must be 0 or more")]
    [InlineData(new[] { "vm", "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "apply" }, "Option '--filename' is required")]
    public async Task BadUsageExitsWith2AndSaysWhatToFix(string[] args, string expected)
    {
        var result = await CliProcess.RunAsync(null, args);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("error: " + expected, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help' for usage", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "--help" }, "Exit codes:")]
    [InlineData(new[] { "vm", "create", "--help" }, "orvirt vm create web --cpu 2 --memory 512Mi")]
    [InlineData(new[] { "vm", "stop", "--help" }, "orvirt vm stop web --force")]
    [InlineData(new[] { "apply", "--help" }, "orvirt apply -f vm.yaml")]
    [InlineData(new[] { "node", "list", "--help" }, "orvirt node list -o json")]
    public async Task HelpExplainsWithAnExample(string[] args, string expected)
    {
        var result = await CliProcess.RunAsync(null, args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCommandHasHelpWithAnExample()
    {
        string[][] commands =
        [
            ["vm", "create"], ["vm", "get"], ["vm", "describe"], ["vm", "list"], ["vm", "start"], ["vm", "stop"],
            ["vm", "restart"], ["vm", "pause"], ["vm", "unpause"], ["vm", "delete"], ["vm", "wait"], ["vm", "watch"],
            ["node", "list"], ["apply"], ["vm"], ["node"],
        ];
        foreach (var command in commands)
        {
            var result = await CliProcess.RunAsync(null, [.. command, "--help"]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches(@"Examples?:\n\s+orvirt " + string.Join(' ', command), result.Stdout.Replace("\r", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ConnectionRefusedExitsWith1AndNamesTheAddressAndHowToChangeIt()
    {
        var server = new Uri($"http://127.0.0.1:{FreePort()}");

        var result = await CliProcess.RunAsync(server, ["vm", "list"]);

        Assert.True(result.ExitCode == ExitCodes.ServerError, result.ToString());
        Assert.Contains($"error: cannot reach the orvirt server at http://127.0.0.1:{server.Port}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--server", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ORVIRT_SERVER", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerFlagWinsOverTheEnvironment()
    {
        var flagPort = FreePort();
        var environment = new Uri($"http://127.0.0.1:{FreePort()}");

        var result = await CliProcess.RunAsync(environment, ["node", "list", "--server", $"127.0.0.1:{flagPort}"]);

        Assert.True(result.ExitCode == ExitCodes.ServerError, result.ToString());
        Assert.Contains($"http://127.0.0.1:{flagPort}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManifestProblemsExitWith2BeforeAnyServerIsContacted()
    {
        var manifest = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata:
              name: cirros
            spec:
              running: true
              template:
                spec:
                  domain:
                    devices:
                      gpus:
                      - name: g
                    memory:
                      guest: 128Mi
                  volumes:
                  - name: root
                    containerDisk:
                      image: quay.io/kubevirt/cirros-container-disk-demo
            """;
        // Nothing listens on this port: a connection attempt would exit with 1, not 2.
        var server = new Uri($"http://127.0.0.1:{FreePort()}");

        var result = await CliProcess.RunAsync(server, ["apply", "-f", "-"], stdin: manifest);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("error: spec.template.spec.domain.devices.gpus (line 11): is not supported by orvirt; remove it", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("error: spec.template.spec.volumes[0].containerDisk (line 17): container disks are not supported", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingManifestFileExitsWith2AndSaysSo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"orvirt-missing-{Guid.NewGuid():N}.yaml");

        var result = await CliProcess.RunAsync(null, ["apply", "-f", path]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains($"error: -f {path}: no such file", result.Stderr, StringComparison.Ordinal);
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
