using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orvirt.Silo.Kubernetes;

namespace Orvirt.Kubernetes.Tests.Sync;

public sealed class KubernetesSyncOptionsTests
{
    private static IServiceCollection Register(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddOrvirtKubernetesSync(configuration);
    }

    [Fact]
    public void WithoutAnApiServerTheSyncIsNotAdded()
    {
        var services = Register();

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(KubernetesSyncService));
    }

    [Theory]
    [InlineData("Orvirt:Kubernetes:Server", "http://127.0.0.1:8001")]
    [InlineData("Orvirt:Kubernetes:InCluster", "true")]
    public void WithAnApiServerTheSyncRunsAsAHostedService(string key, string value)
    {
        var services = Register((key, value));

        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Contains(services, d => d.ServiceType == typeof(KubernetesSyncService));
    }

    [Theory]
    [InlineData("Server", "ftp://x", "is not an http(s) URL")]
    [InlineData("Kubeconfig", "/nonexistent/kubeconfig", "does not exist")]
    [InlineData("LeaseName", "Not_A_Name", "Orvirt:Kubernetes:LeaseName")]
    [InlineData("Namespace", "UPPER", "Orvirt:Kubernetes:Namespace")]
    [InlineData("Workers", "0", "use 1 to 64")]
    [InlineData("RenewDeadline", "00:00:20", "LeaseDuration")]
    [InlineData("BackoffCap", "00:00:00.1", "BackoffBase")]
    public void ABadSettingIsRefusedWithTheSettingAndTheFixNamed(string name, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Orvirt:Kubernetes:{name}"] = value,
        }).Build();
        var options = configuration.GetSection(KubernetesSyncOptions.Section).Get<KubernetesSyncOptions>()!;

        var result = new KubernetesSyncOptionsValidator().Validate(null, options);

        Assert.True(result.Failed, $"{name}={value} was accepted");
        Assert.Contains(expected, result.FailureMessage);
    }

    [Fact]
    public void TheDefaultsAreValidAndTwoWaysToReachAServerAreNot()
    {
        var validator = new KubernetesSyncOptionsValidator();

        Assert.True(validator.Validate(null, new KubernetesSyncOptions { Server = "http://127.0.0.1:8001" }).Succeeded);
        var both = validator.Validate(null, new KubernetesSyncOptions { Server = "http://127.0.0.1:8001", InCluster = true });
        Assert.True(both.Failed);
        Assert.Contains("set only one of", both.FailureMessage);
    }
}
