using Grpc.Core;
using Orvirt.Api.V1;

namespace Orvirt.Security.Tests;

/// <summary>The bound on VMs per namespace (<c>Orvirt:Limits:MaxVmsPerNamespace</c>, 3 in <see cref="SecuredSilo"/>).</summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class NamespaceQuotaTests
{
    private readonly SecuredSilo _fixture;

    public NamespaceQuotaTests(SecuredSilo fixture) => _fixture = fixture;

    [Fact]
    public async Task ACreateBeyondTheNamespaceBoundIsResourceExhaustedAndOtherNamespacesStillWork()
    {
        var ns = "quota-" + Guid.NewGuid().ToString("N")[..6];
        var other = "quota-other-" + Guid.NewGuid().ToString("N")[..6];
        var vms = _fixture.Admin.VirtualMachines;
        try
        {
            for (var i = 0; i < SecuredSilo.MaxVmsPerNamespace; i++)
            {
                await vms.CreateAsync(Halted(ns, $"vm-{i}"));
            }

            var createError = await Assert.ThrowsAsync<RpcException>(() => vms.CreateAsync(Halted(ns, "one-too-many")).ResponseAsync);
            var apply = new ApplyRequest { Namespace = ns, Name = "applied-too-many", Spec = Halted(ns, "x").Spec };
            var applyError = await Assert.ThrowsAsync<RpcException>(() => vms.ApplyAsync(apply).ResponseAsync);
            await vms.CreateAsync(Halted(other, "vm-0"));

            Assert.Equal(StatusCode.ResourceExhausted, createError.StatusCode);
            Assert.Contains($"MaxVmsPerNamespace={SecuredSilo.MaxVmsPerNamespace}", createError.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("ORVIRT__LIMITS__MAXVMSPERNAMESPACE", createError.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(StatusCode.ResourceExhausted, applyError.StatusCode);
            Assert.Equal(StatusCode.NotFound, await _fixture.GetCodeAsync(ns, "one-too-many"));
            Assert.Equal(StatusCode.NotFound, await _fixture.GetCodeAsync(ns, "applied-too-many"));
            var listed = await vms.ListAsync(new ListRequest { Namespace = ns });
            Assert.Equal(SecuredSilo.MaxVmsPerNamespace, listed.Items.Count);

            // Applying an existing VM again is not a create, so a full namespace does not refuse it.
            var again = new ApplyRequest { Namespace = ns, Name = "vm-0", Spec = Halted(ns, "vm-0").Spec };
            var reapplied = await vms.ApplyAsync(again);
            Assert.False(reapplied.Created);
        }
        finally
        {
            for (var i = 0; i < SecuredSilo.MaxVmsPerNamespace; i++)
            {
                await DeleteIfPresentAsync(ns, $"vm-{i}");
            }
            await DeleteIfPresentAsync(other, "vm-0");
        }
    }

    private async Task DeleteIfPresentAsync(string @namespace, string name)
    {
        try
        {
            await _fixture.Admin.VirtualMachines.DeleteAsync(new VmRef { Namespace = @namespace, Name = name });
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Never created: the test failed before it.
        }
    }

    private static CreateRequest Halted(string @namespace, string name) => new()
    {
        Namespace = @namespace,
        Name = name,
        Spec = new VirtualMachineSpec { RunStrategy = "Halted", Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 }, Memory = "64Mi" },
    };
}
