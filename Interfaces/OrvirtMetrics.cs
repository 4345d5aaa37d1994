namespace Orvirt.Interfaces;

/// <summary>
/// Meter and instrument names, named after KubeVirt's (<c>kubevirt_vmi_phase_count</c> and so on), in one place
/// so that the silo, the agent and dashboards agree. Exported in Prometheus text format on the silo's <c>/metrics</c>.
/// </summary>
public static class OrvirtMetrics
{
    /// <summary>The silo's meter: VM phases, transitions, nodes and the gRPC API.</summary>
    public const string SiloMeter = "Orvirt.Silo";

    /// <summary>The node agent's meter: its work queue.</summary>
    public const string AgentMeter = "Orvirt.NodeAgent";

    /// <summary>Gauge: VMs by current run phase and node (tags <see cref="PhaseTag"/>, <see cref="NodeTag"/>). VMs with no run are not counted.</summary>
    public const string VmiPhaseCount = "orvirt_vmi_phase_count";

    /// <summary>Histogram (seconds): time spent in the previous phase when a VM enters a phase (tag <see cref="PhaseTag"/> is the target phase).</summary>
    public const string VmiPhaseTransitionTimeSeconds = "orvirt_vmi_phase_transition_time_seconds";

    /// <summary>Histogram (seconds): from a VM's creation to its first Running.</summary>
    public const string VmCreateToRunningSeconds = "orvirt_vm_create_to_running_seconds";

    /// <summary>Gauge: 1 when the node is Ready, else 0 (tag <see cref="NodeTag"/>).</summary>
    public const string NodeReady = "orvirt_node_ready";

    /// <summary>Counter: gRPC API calls by method and status code (tags <see cref="MethodTag"/>, <see cref="CodeTag"/>).</summary>
    public const string GrpcRequests = "orvirt_grpc_requests";

    /// <summary>Histogram (seconds): gRPC API call latency by method and status code.</summary>
    public const string GrpcRequestDurationSeconds = "orvirt_grpc_request_duration_seconds";

    /// <summary>Gauge (agent): VMs waiting in the agent's work queue.</summary>
    public const string WorkqueueDepth = "orvirt_workqueue_depth";

    /// <summary>Histogram (agent, seconds): how long a VM waited in the work queue before its sync started.</summary>
    public const string WorkqueueLatencySeconds = "orvirt_workqueue_latency_seconds";

    public const string PhaseTag = "phase";
    public const string NodeTag = "node";
    public const string MethodTag = "method";
    public const string CodeTag = "code";
}
