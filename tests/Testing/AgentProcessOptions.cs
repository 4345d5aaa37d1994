namespace Orvirt.Testing;

/// <summary>How to start an <see cref="AgentProcess"/>.</summary>
public sealed record AgentProcessOptions
{
    /// <summary>The silo's Orleans gateway port on 127.0.0.1 (<see cref="SiloProcess.GatewayPort"/>).</summary>
    public required int GatewayPort { get; init; }

    /// <summary>Gateway ports of further silos on 127.0.0.1 (a cluster); the agent gets them all and moves on when one dies. Default none.</summary>
    public IReadOnlyList<int> MoreGatewayPorts { get; init; } = [];

    /// <summary>The node name; default a fresh <c>node-xxxxxx</c>.</summary>
    public string Node { get; init; } = "node-" + Guid.NewGuid().ToString("N")[..6];

    /// <summary><c>test</c> (libvirt's test driver), <c>process</c> (real libvirtd + QEMU) or <c>auto</c>.</summary>
    public string Runtime { get; init; } = "test";

    /// <summary>Null: a new short temp folder, deleted on dispose. Given: kept (for an agent restart on the same pods).</summary>
    public string? PodsDirectory { get; init; }

    /// <summary>Null: a new temp folder, deleted on dispose.</summary>
    public string? ImagesDirectory { get; init; }

    /// <summary>Capacity offered to VMs; 0 means the host's.</summary>
    public int Vcpus { get; init; }

    public long MemoryBytes { get; init; }

    public string? AgentDllPath { get; init; }

    /// <summary>Extra command-line arguments, appended after the standard ones (e.g. <c>--metrics 127.0.0.1:PORT</c>). Default none.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Extra environment variables, applied last.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
