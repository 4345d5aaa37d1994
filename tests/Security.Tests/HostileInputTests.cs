using Grpc.Core;
using Orvirt.Api.V1;

namespace Orvirt.Security.Tests;

/// <summary>
/// Bad names, bad values, oversized and malformed requests against a live silo: each gets the right status code,
/// the silo stays up, nothing is stored, and the node agent never hears of the VM.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class HostileInputTests
{
    private const int MiB = 1024 * 1024;
    private readonly SecuredSilo _fixture;

    public HostileInputTests(SecuredSilo fixture) => _fixture = fixture;

    [Theory]
    [InlineData("upper-case name", "Upper")]
    [InlineData("64-character name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("path traversal name", "../x")]
    [InlineData("markup name", "a<b")]
    [InlineData("empty name", "")]
    [InlineData("unicode name", "vm-\u00fc\u6f22")]
    [InlineData("name with a slash", "a/b")]
    public async Task CreateWithABadNameIsInvalidAndStoresNothing(string what, string name)
    {
        var request = ValidRequest();
        request.Name = name;

        var error = await RefusedAsync(what, StatusCode.InvalidArgument, () => _fixture.Admin.VirtualMachines.CreateAsync(request).ResponseAsync);

        Assert.Contains("name", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("upper-case namespace", "Team")]
    [InlineData("path traversal namespace", "../etc")]
    public async Task CreateInABadNamespaceIsInvalidAndStoresNothing(string what, string @namespace)
    {
        var request = ValidRequest();
        request.Namespace = @namespace;

        var error = await RefusedAsync(what, StatusCode.InvalidArgument, () => _fixture.Admin.VirtualMachines.CreateAsync(request).ResponseAsync);

        Assert.Contains("namespace", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("memory 0", "memory")]
    [InlineData("memory 15Mi", "memory")]
    [InlineData("memory 2Ti", "memory")]
    [InlineData("memory 12Zi", "memory")]
    [InlineData("cpu 0", "cpu")]
    [InlineData("cpu 513", "cpu")]
    [InlineData("run strategy Sometimes", "runStrategy")]
    [InlineData("duplicate disks", "disks")]
    [InlineData("duplicate interfaces", "interfaces")]
    [InlineData("image ../etc/passwd", "disks")]
    [InlineData("image /etc/passwd", "disks")]
    [InlineData("10,000 labels", "labels")]
    [InlineData("label key with markup", "labels")]
    public async Task CreateWithABadValueIsInvalidNamesTheFieldAndNeverReachesTheNode(string what, string field)
    {
        var request = ValidRequest();
        Spoil(request, what);

        var error = await RefusedAsync(what, StatusCode.InvalidArgument, () => _fixture.Admin.VirtualMachines.CreateAsync(request).ResponseAsync, request.Name);

        Assert.True(error.Status.Detail.Contains(field, StringComparison.OrdinalIgnoreCase), $"{what}: the message should name '{field}': {error.Status.Detail}");
    }

    [Fact]
    public async Task ApplyAndUpdateWithABadValueLeaveTheStoredSpecAsItWas()
    {
        var request = ValidRequest();
        request.Spec.RunStrategy = "Halted";
        var created = await _fixture.Admin.VirtualMachines.CreateAsync(request);
        try
        {
            var apply = new ApplyRequest { Namespace = request.Namespace, Name = request.Name, Spec = request.Spec.Clone() };
            apply.Spec.Memory = "12Zi";
            var update = new UpdateRequest { Namespace = request.Namespace, Name = request.Name, Spec = request.Spec.Clone(), ExpectedGeneration = created.Metadata.Generation };
            update.Spec.RunStrategy = "Sometimes";

            var applyError = await Assert.ThrowsAsync<RpcException>(() => _fixture.Admin.VirtualMachines.ApplyAsync(apply).ResponseAsync);
            var updateError = await Assert.ThrowsAsync<RpcException>(() => _fixture.Admin.VirtualMachines.UpdateAsync(update).ResponseAsync);

            Assert.Equal(StatusCode.InvalidArgument, applyError.StatusCode);
            Assert.Equal(StatusCode.InvalidArgument, updateError.StatusCode);
            var stored = await _fixture.Admin.VirtualMachines.GetAsync(new GetRequest { Namespace = request.Namespace, Name = request.Name });
            Assert.Equal(created.Metadata.Generation, stored.Metadata.Generation);
            Assert.Equal("64Mi", stored.Spec.Memory);
            Assert.Equal("Halted", stored.Spec.RunStrategy);
        }
        finally
        {
            await DeleteAndWaitAsync(request.Namespace, request.Name);
        }
    }

    [Fact]
    public async Task ALabelValueOfOneMebibyteExceedsTheRequestLimit()
    {
        var request = ValidRequest();
        request.Labels["big"] = new string('x', MiB);

        var error = await RefusedAsync("1 MiB label value", StatusCode.ResourceExhausted, () => _fixture.Admin.VirtualMachines.CreateAsync(request).ResponseAsync, request.Name);

        Assert.Contains("size", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ARequestOfTwoMebibytesInOneFieldExceedsTheRequestLimit()
    {
        var request = ValidRequest();
        request.Spec.Memory = new string('9', 2 * MiB);

        await RefusedAsync("2 MiB memory string", StatusCode.ResourceExhausted, () => _fixture.Admin.VirtualMachines.CreateAsync(request).ResponseAsync, request.Name);
    }

    [Fact]
    public async Task InvalidUtf8InTheNameIsRefusedByTheServerWhichStaysUp()
    {
        var name = Unique();
        // "default" namespace, then a name whose last bytes are not UTF-8: 0xC3 must be followed by a continuation byte.
        byte[] body = [.. RawGrpc.Field(1, "default"), .. RawGrpc.Field(2, [.. System.Text.Encoding.ASCII.GetBytes(name), 0xC3, 0x28])];
        var before = await _fixture.AllVmsAsync();

        var status = await RawGrpc.CallAsync(_fixture.Silo.GrpcAddress, _fixture.Tokens.Admin, "Create", body);

        Assert.True(status.StatusCode == StatusCode.InvalidArgument, $"invalid UTF-8 got {status.StatusCode}: {status.Detail}");
        Assert.Contains("UTF-8", status.Detail, StringComparison.Ordinal);
        await AssertUnharmedAsync("invalid UTF-8", before, "default", name);
    }

    [Fact]
    public async Task DeeplyNestedUnknownGroupsAreRefusedByTheServerWhichStaysUp()
    {
        var name = Unique();
        byte[] body = [.. RawGrpc.Field(1, "default"), .. RawGrpc.Field(2, name), .. RawGrpc.NestedGroups(99, 10_000)];
        var before = await _fixture.AllVmsAsync();

        var status = await RawGrpc.CallAsync(_fixture.Silo.GrpcAddress, _fixture.Tokens.Admin, "Create", body);

        // Protobuf stops at its recursion limit (100) instead of overflowing the stack.
        Assert.True(status.StatusCode == StatusCode.InvalidArgument, $"10,000 nested groups got {status.StatusCode}: {status.Detail}");
        await AssertUnharmedAsync("nested groups", before, "default", name);
    }

    [Fact]
    public async Task AnImageSymlinkThatLeavesTheImageFolderFailsTheVmNamingTheDisk()
    {
        var request = ValidRequest();
        request.Spec.Disks.Add(new Disk { Name = "rootdisk", Image = new ImageDisk { Path = SecuredSilo.EscapingImage } });
        var secretBefore = File.GetLastAccessTimeUtc(_fixture.SecretPath);

        await _fixture.Admin.VirtualMachines.CreateAsync(request);
        try
        {
            var failed = await Testing.Eventually.MatchAsync(
                () => _fixture.Admin.VirtualMachines.GetAsync(new GetRequest { Namespace = request.Namespace, Name = request.Name }).ResponseAsync,
                vm => vm.Status.Conditions.Any(c => c.Type == "Failure" && c.Status == "True"),
                $"VM {request.Name} with a disk on a symlink out of the image folder to get a Failure condition");

            var failure = failed.Status.Conditions.Single(c => c.Type == "Failure");
            Assert.True(failure.Message.Contains("rootdisk", StringComparison.Ordinal) || failure.Message.Contains(SecuredSilo.EscapingImage, StringComparison.Ordinal),
                $"the failure should name the disk: {failure.Reason}: {failure.Message}");
            Assert.Contains("outside", failure.Message, StringComparison.Ordinal);
            Assert.NotEqual("Running", failed.Status.DomainState);
            Assert.DoesNotContain("secret outside the image folder", _fixture.Agent.Output, StringComparison.Ordinal);
            Assert.Equal(secretBefore, File.GetLastAccessTimeUtc(_fixture.SecretPath));
        }
        finally
        {
            await DeleteAndWaitAsync(request.Namespace, request.Name);
        }
    }

    private static CreateRequest ValidRequest() => new()
    {
        Namespace = "hostile",
        Name = Unique(),
        Spec = new VirtualMachineSpec
        {
            // Always: were the request accepted, the VM would be scheduled onto the agent's node at once.
            RunStrategy = "Always",
            Cpu = new Cpu { Sockets = 1, Cores = 1, Threads = 1 },
            Memory = "64Mi",
        },
    };

    private static string Unique() => "hostile-" + Guid.NewGuid().ToString("N")[..8];

    private static void Spoil(CreateRequest request, string what)
    {
        var spec = request.Spec;
        switch (what)
        {
            case "memory 0": spec.Memory = "0"; break;
            case "memory 15Mi": spec.Memory = "15Mi"; break;
            case "memory 2Ti": spec.Memory = "2Ti"; break;
            case "memory 12Zi": spec.Memory = "12Zi"; break;
            case "cpu 0": spec.Cpu.Cores = 0; break;
            case "cpu 513": spec.Cpu.Cores = 513; break;
            case "run strategy Sometimes": spec.RunStrategy = "Sometimes"; break;
            case "duplicate disks":
                spec.Disks.Add(new Disk { Name = "data", EmptyDisk = new EmptyDisk { Capacity = "1Gi" } });
                spec.Disks.Add(new Disk { Name = "data", EmptyDisk = new EmptyDisk { Capacity = "1Gi" } });
                break;
            case "duplicate interfaces":
                spec.Interfaces.Add(new Interface { Name = "net0", Binding = "user" });
                spec.Interfaces.Add(new Interface { Name = "net0", Binding = "user" });
                break;
            case "image ../etc/passwd": spec.Disks.Add(new Disk { Name = "root", Image = new ImageDisk { Path = "../etc/passwd" } }); break;
            case "image /etc/passwd": spec.Disks.Add(new Disk { Name = "root", Image = new ImageDisk { Path = "/etc/passwd" } }); break;
            case "10,000 labels":
                for (var i = 0; i < 10_000; i++)
                {
                    request.Labels[$"k{i}"] = "v";
                }
                break;
            case "label key with markup": request.Labels["<script>"] = "x"; break;
            default: throw new ArgumentException($"no such case: {what}", nameof(what));
        }
    }

    // Calls, expects the status code, then checks that nothing changed: the silo answers health, the VM list is the
    // same, a VM of that name does not exist, the node holds as many VMs as before and the agent never saw the name.
    private async Task<RpcException> RefusedAsync(string what, StatusCode expected, Func<Task> call, string? validName = null)
    {
        var before = await _fixture.AllVmsAsync();
        var nodeBefore = (await _fixture.NodeAsync())!.VmCount;

        var error = await Assert.ThrowsAsync<RpcException>(call);

        Assert.True(error.StatusCode == expected, $"{what}: expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        await AssertUnharmedAsync(what, before, "hostile", validName);
        Assert.Equal(nodeBefore, (await _fixture.NodeAsync())!.VmCount);
        return error;
    }

    private async Task AssertUnharmedAsync(string what, IReadOnlyList<string> vmsBefore, string @namespace, string? validName)
    {
        Assert.False(_fixture.Silo.HasExited, $"{what}: the silo exited. Output:\n{_fixture.Silo.Output}");
        Assert.Equal(200, await _fixture.HealthAsync());
        Assert.Equal(vmsBefore, await _fixture.AllVmsAsync());
        if (validName is not null)
        {
            Assert.Equal(StatusCode.NotFound, await _fixture.GetCodeAsync(@namespace, validName));
            Assert.DoesNotContain(validName, _fixture.Agent.Output, StringComparison.Ordinal);
        }
    }

    private async Task DeleteAndWaitAsync(string @namespace, string name)
    {
        await _fixture.Admin.VirtualMachines.DeleteAsync(new VmRef { Namespace = @namespace, Name = name });
        await Testing.Eventually.MatchAsync(
            () => _fixture.GetCodeAsync(@namespace, name),
            code => code == StatusCode.NotFound,
            $"VM {@namespace}/{name} to be gone after delete");
        await Testing.Eventually.MatchAsync(
            async () => (await _fixture.NodeAsync())!.VmCount,
            count => count == 0,
            $"node {_fixture.Agent.Node} to hold no VM after {@namespace}/{name} was deleted");
    }
}
