using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Client.Connection;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>
/// One silo with a token file (admin, viewer, and an admin limited to <see cref="TestTokens.TeamANamespace"/>),
/// a bound of <see cref="MaxVmsPerNamespace"/> VMs per namespace, verbose ASP.NET Core logging (so that a token
/// leaking into the log would show), and a node agent on libvirt's test driver whose image folder holds a
/// symlink that points outside it.
/// </summary>
public sealed class SecuredSilo : IAsyncLifetime
{
    public const int MaxVmsPerNamespace = 3;

    /// <summary>The symlink inside the agent's image folder that points at <see cref="SecretPath"/>.</summary>
    public const string EscapingImage = "escape.qcow2";

    private readonly string _folder = Directory.CreateTempSubdirectory("orvirt-sec-").FullName;
    private readonly List<OrvirtConnection> _connections = [];

    public TestTokens Tokens { get; } = TestTokens.Create();

    public SiloProcess Silo { get; private set; } = null!;

    public AgentProcess Agent { get; private set; } = null!;

    /// <summary>A file outside the image folder that the symlink points at.</summary>
    public string SecretPath => Path.Combine(_folder, "secret", "passwd");

    public OrvirtConnection Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var tokenFile = Path.Combine(_folder, "tokens");
        await File.WriteAllTextAsync(tokenFile, Tokens.FileText());
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(SecretPath)!);
        await File.WriteAllTextAsync(SecretPath, "root:x:0:0:secret outside the image folder\n");
        File.CreateSymbolicLink(Path.Combine(images, EscapingImage), SecretPath);

        Silo = await SiloProcess.StartAsync(new SiloProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["ORVIRT__HTTP__TOKENFILE"] = tokenFile,
                ["ORVIRT__LIMITS__MAXVMSPERNAMESPACE"] = MaxVmsPerNamespace.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Information",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
                ["Logging__LogLevel__Grpc"] = "Debug",
            },
        });
        Admin = Connect(Tokens.Admin);
        Agent = AgentProcess.Start(new AgentProcessOptions { GatewayPort = Silo.GatewayPort, ImagesDirectory = images, Runtime = "test" });
        await Eventually.MatchAsync(
            () => NodeAsync(),
            n => n is { Ready: true },
            $"node {Agent.Node} to register and be Ready");
    }

    /// <summary>A connection that sends <paramref name="token"/> (none when null), closed with the fixture.</summary>
    public OrvirtConnection Connect(string? token)
    {
        var connection = OrvirtConnection.Create(Silo.GrpcAddress, token);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>The agent's node as the API shows it to an admin, or null before it registered.</summary>
    public async Task<Node?> NodeAsync()
    {
        var nodes = await Admin.Nodes.ListAsync(new ListNodesRequest());
        return nodes.Items.FirstOrDefault(n => n.Name == Agent.Node);
    }

    /// <summary>Every VM in every namespace, as "namespace/name".</summary>
    public async Task<IReadOnlyList<string>> AllVmsAsync()
    {
        var list = await Admin.VirtualMachines.ListAsync(new ListRequest { AllNamespaces = true });
        return [.. list.Items.Select(v => $"{v.Metadata.Namespace}/{v.Metadata.Name}")];
    }

    /// <summary>The status code a Get of <paramref name="namespace"/>/<paramref name="name"/> gets from an admin (OK when found).</summary>
    public async Task<StatusCode> GetCodeAsync(string @namespace, string name)
    {
        try
        {
            await Admin.VirtualMachines.GetAsync(new GetRequest { Namespace = @namespace, Name = name });
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>The HTTP status of <c>/healthz</c>.</summary>
    public async Task<int> HealthAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(Silo.HttpAddress, "/healthz"));
        return (int)response.StatusCode;
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }
}
