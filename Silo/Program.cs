using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orvirt.Grains;
using Orvirt.Interfaces;
using Orvirt.Silo.Api;
using Orvirt.Silo.Dashboard;
using Orvirt.Silo.Hosting;
using Orvirt.Silo.Kubernetes;
using Orvirt.Silo.Metrics;
using Orvirt.Silo.Options;
using Orvirt.Silo.Security;
using Orvirt.Silo.Storage;
using Orvirt.Silo.Streams;
using Orvirt.Silo.Web;

// Content root at the binary, so appsettings.json is found whatever the working directory is.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddOptions<SiloOptions>().BindConfiguration(SiloOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
builder.Services.AddOptions<ClusterTlsOptions>().BindConfiguration(ClusterTlsOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<ClusterTlsOptions>, ClusterTlsOptionsValidator>();
builder.Services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidator>();
// AddOrvirtGrains binds ValidationLimits from Orvirt:Limits; the host adds the check that says how to fix a bad bound.
builder.Services.AddOrvirtGrains(builder.Configuration);
builder.Services.AddOptions<ValidationLimits>().ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<ValidationLimits>, LimitsOptionsValidator>();

// Ports, paths and the mode shape the silo itself, so they are read and checked before the host is built.
var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
var streaming = builder.Configuration.GetSection(StreamingOptions.Section).Get<StreamingOptions>() ?? new StreamingOptions();
var limits = builder.Configuration.GetSection(LimitsOptionsValidator.Section).Get<ValidationLimits>() ?? new ValidationLimits();
var httpAccess = builder.Configuration.GetSection(HttpAccessOptions.Section).Get<HttpAccessOptions>() ?? new HttpAccessOptions();
var apiLimits = builder.Configuration.GetSection(ApiLimitsOptions.Section).Get<ApiLimitsOptions>() ?? new ApiLimitsOptions();
var httpRateLimit = builder.Configuration.GetSection(HttpRateLimitOptions.Section).Get<HttpRateLimitOptions>() ?? new HttpRateLimitOptions();
AccessTokens? accessTokens = null;
System.Security.Cryptography.X509Certificates.X509Certificate2? tlsCertificate = null;
var failures = new[]
{
    new SiloOptionsValidator().Validate(null, siloOptions),
    new StreamingOptionsValidator().Validate(null, streaming),
    new LimitsOptionsValidator().Validate(null, limits),
    new ApiLimitsOptionsValidator().Validate(null, apiLimits),
    new HttpRateLimitOptionsValidator().Validate(null, httpRateLimit),
}.Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
// Cluster TLS first: a silo open beyond loopback without it is refused even when Redis cannot be reached.
failures.AddRange(ClusterTls.Check(siloOptions, builder.Configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions(), out var clusterTrust));
failures.AddRange(OrleansBackends.Check(siloOptions, builder.Configuration));
if (failures.Count == 0)
{
    // Anything but loopback needs a token for the dashboard, the VM page, /api and /metrics.
    HostPort.TryParse(siloOptions.HttpEndpoint, out var httpBind);
    // The gRPC API as well: tokens (with roles) are required when it binds anything but loopback.
    HostPort.TryParse(siloOptions.GrpcEndpoint, out var grpcBind);
    accessTokens = AccessTokens.Load(httpAccess, httpBind, grpcBind, failures);
    tlsCertificate = TlsCertificate.Load(builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions(), failures);
    failures.AddRange(PortProbe.Check(siloOptions));
    try
    {
        Directory.CreateDirectory(Path.GetFullPath(siloOptions.DataDirectory));
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        failures.Add($"Orvirt:DataDirectory '{siloOptions.DataDirectory}' cannot be created ({e.Message}); set ORVIRT__DATADIRECTORY to a writable folder.");
    }
}
if (failures.Count > 0)
{
    Console.Error.WriteLine("orvirt-silo: the configuration is invalid:");
    foreach (var failure in failures)
    {
        Console.Error.WriteLine("  - " + failure);
    }
    return 2;
}

HostPort.TryParse(siloOptions.GrpcEndpoint, out var grpcEndpoint);
HostPort.TryParse(siloOptions.HttpEndpoint, out var httpEndpoint);
var onKubernetes = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"));

builder.WebHost.ConfigureKestrel(kestrel =>
{
    if (tlsCertificate is not null)
    {
        // Before the Listen calls: endpoint defaults apply to endpoints created after them.
        kestrel.ConfigureEndpointDefaults(listen => listen.UseHttps(tlsCertificate));
    }
    KestrelEndpoints.Listen(kestrel, grpcEndpoint, HttpProtocols.Http2);
    KestrelEndpoints.Listen(kestrel, httpEndpoint, HttpProtocols.Http1);
});

builder.UseOrleans(silo =>
{
    // Clustering, endpoints, grain storage, PubSubStore and reminders: SQLite on one machine or Redis for a cluster.
    silo.UseOrvirtBackends(siloOptions);
    if (clusterTrust is not null)
    {
        // Mutual TLS on silo-to-silo and gateway connections: only certificates from the cluster CA get in.
        silo.UseClusterTls(clusterTrust, new ClusterPeerCheck(clusterTrust));
    }
    if (onKubernetes)
    {
        silo.UseKubernetesHosting();
    }
    silo.AddOrvirtDashboard();
    silo.AddMemoryStreams(OrvirtNames.StreamProvider, streams =>
    {
        streams.ConfigurePartitioning(streaming.Queues);
        streams.ConfigurePullingAgent(agent => agent.Configure(o =>
        {
            o.GetQueueMsgsTimerPeriod = streaming.PullPeriod;
            o.BatchContainerBatchSize = streaming.BatchSize;
        }));
    });
    silo.AddAdaptiveMemoryStreamPull(OrvirtNames.StreamProvider, streaming, siloOptions.Mode);
});

builder.Services.AddSingleton(accessTokens!);
builder.Services.AddOrvirtMetrics();
// CRD sync: only when Orvirt:Kubernetes names an API server (in-cluster, kubeconfig or server URL).
builder.Services.AddOrvirtKubernetesSync(builder.Configuration);
builder.Services.AddOrvirtWeb();
// The per-client limit of the HTTP endpoint (gRPC has its own in AddOrvirtApiSecurity); /healthz is exempt.
builder.Services.AddOrvirtHttpRateLimit(httpRateLimit, httpEndpoint.Port);
builder.Services.AddGrpc(grpc =>
{
    // Outermost first: the metrics see the status codes that GrainErrorInterceptor maps.
    grpc.Interceptors.Add<GrpcMetricsInterceptor>();
    grpc.Interceptors.Add<GrainErrorInterceptor>();
});
// Bearer tokens with roles, the per-client rate limit, the request size limit and the namespace quota.
builder.Services.AddOrvirtApiSecurity();

var app = builder.Build();

// Before the token check, so that a flood of requests without a valid token is counted (by remote address) too.
app.UseOrvirtHttpRateLimit();
app.UseMiddleware<BearerTokenMiddleware>(httpEndpoint.Port);
// A gRPC request that protobuf cannot parse gets INVALID_ARGUMENT instead of grpc-dotnet's UNKNOWN.
app.UseMiddleware<MalformedRequestMiddleware>(grpcEndpoint.Port);

app.MapGrpcService<VirtualMachinesService>().RequireHost($"*:{grpcEndpoint.Port}");
app.MapGrpcService<NodesService>().RequireHost($"*:{grpcEndpoint.Port}");
app.MapGet("/healthz", (IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.IsCancellationRequested
            ? Results.Text("ok\n")
            : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable))
    .RequireHost($"*:{httpEndpoint.Port}");
app.MapOrvirtWeb(httpEndpoint.Port);
app.MapOrvirtDashboard(httpEndpoint.Port);
app.MapOrvirtMetrics(httpEndpoint.Port);

var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orvirt.Silo");
if (onKubernetes)
{
    SiloLog.KubernetesHosting(logger);
}
if (clusterTrust is not null)
{
    app.Services.GetRequiredService<ClusterPeerCheck>().UseLogger(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orvirt.Silo.ClusterTls"));
    ClusterTlsLog.Enabled(logger, clusterTrust.AuthoritySubjects, clusterTrust.Certificate.Subject);
}
app.Lifetime.ApplicationStarted.Register(() =>
{
    SiloLog.Ready(logger, siloOptions.Mode.ToString(), grpcEndpoint.ToString(), httpEndpoint.ToString(), siloOptions.GatewayPort, OrleansBackends.DescribeState(siloOptions));
    WebLog.Serving(logger, httpEndpoint.ToString(), accessTokens!.Required ? "a bearer token" : "no token (loopback only)");
});

try
{
    await app.RunAsync();
}
catch (Exception e) when (AddressInUse(e) is { } detail)
{
    Console.Error.WriteLine($"orvirt-silo: {detail}. Another process holds that port: stop it, or choose free ports with ORVIRT__GRPCENDPOINT, ORVIRT__HTTPENDPOINT, ORVIRT__SILOPORT and ORVIRT__GATEWAYPORT.");
    return 3;
}
return 0;

// The message of the first "address already in use" failure in an exception's chain, or null.
static string? AddressInUse(Exception e)
{
    for (Exception? x = e; x is not null; x = x.InnerException)
    {
        if (x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
            || x is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            return e is IOException && e != x ? e.Message.TrimEnd('.') : x.Message.TrimEnd('.');
        }
        if (x is AggregateException aggregate)
        {
            return aggregate.InnerExceptions.Select(AddressInUse).FirstOrDefault(m => m is not null);
        }
    }
    return null;
}
