using Grpc.Core;
using Orvirt.Api.V1;
using static Orvirt.Silo.Tests.Api.Requests;

namespace Orvirt.Silo.Tests.Api;

/// <summary>Every bad request is INVALID_ARGUMENT with a field violation naming the field, and nothing is stored.</summary>
[Collection(SiloCollection.Name)]
public sealed class BadInputTests(SiloFixture silo)
{
    private readonly VirtualMachines.VirtualMachinesClient _vms = silo.Vms;

    public static TheoryData<string, string, string> BadNames => new()
    {
        { "upper case", "MyVm", "metadata.name" },
        { "64 characters", new string('a', 64), "metadata.name" },
        { "path", "../x", "metadata.name" },
        { "markup", "a<b", "metadata.name" },
        { "empty", "", "metadata.name" },
        { "unicode", "vm-ü", "metadata.name" },
    };

    public static TheoryData<string, string> BadSpecs => new()
    {
        { "memory 0", "spec.memory" },
        { "memory 15Mi", "spec.memory" },
        { "memory 2Ti", "spec.memory" },
        { "memory 12Zi", "spec.memory" },
        { "cores 0", "spec.cpu" },
        { "cores 513", "spec.cpu" },
        { "run strategy Sometimes", "spec.runStrategy" },
        { "duplicate disk", "spec.disks[1].name" },
        { "duplicate interface", "spec.interfaces[1].name" },
        { "image ../etc/passwd", "spec.disks[0].image" },
        { "image /etc/passwd", "spec.disks[0].image" },
        { "disk without source", "spec.disks[0].source" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task ANameThatIsNotADns1123LabelIsRefusedAndNotStored(string why, string name, string field)
    {
        var ns = SiloFixture.UniqueNamespace("badname");

        var error = await FailsWith(StatusCode.InvalidArgument, async () => await _vms.CreateAsync(Create(ns, name)));

        var violation = Assert.Single(Violations(error), v => v.Field == field);
        Assert.True(violation.Description.Length > 20, $"{why}: the description should say how to fix it: '{violation.Description}'");
        Assert.Empty((await _vms.ListAsync(new ListRequest { Namespace = ns })).Items);
    }

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task ABadSpecIsRefusedWithTheFieldAndNotStored(string why, string field)
    {
        var ns = SiloFixture.UniqueNamespace("badspec");
        var request = Create(ns, "vm");
        Break(request, why);

        var error = await FailsWith(StatusCode.InvalidArgument, async () => await _vms.CreateAsync(request));

        var violations = Violations(error);
        Assert.True(violations.Any(v => v.Field == field && v.Description.Length > 0),
            $"{why}: expected a violation on {field}, got: {string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"))}");
        await FailsWith(StatusCode.NotFound, async () => await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" }));
    }

    [Fact]
    public async Task ApplyAndUpdateValidateLikeCreate()
    {
        var ns = SiloFixture.UniqueNamespace("badapply");
        var request = Create(ns, "vm");
        await _vms.CreateAsync(request);
        request.Spec.Memory = "12Zi";

        var applyError = await FailsWith(StatusCode.InvalidArgument, async () => await _vms.ApplyAsync(Apply(request)));
        var updateError = await FailsWith(StatusCode.InvalidArgument, async () =>
            await _vms.UpdateAsync(new UpdateRequest { Namespace = ns, Name = "vm", Spec = request.Spec, ExpectedGeneration = 1 }));

        Assert.Contains(Violations(applyError), v => v.Field == "spec.memory");
        Assert.Contains(Violations(updateError), v => v.Field == "spec.memory");
        var got = await _vms.GetAsync(new GetRequest { Namespace = ns, Name = "vm" });
        Assert.Equal(("128Mi", 1L), (got.Spec.Memory, got.Metadata.Generation));
    }

    [Fact]
    public async Task AllViolationsOfOneRequestAreReportedTogether()
    {
        var request = Create(SiloFixture.UniqueNamespace("many"), "Bad_Name", memory: "0", runStrategy: "Sometimes");

        var error = await FailsWith(StatusCode.InvalidArgument, async () => await _vms.CreateAsync(request));

        var fields = Violations(error).Select(v => v.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "metadata.name", "spec.memory", "spec.runStrategy" }, fields);
    }

    [Fact]
    public async Task AStopWithANegativeGracePeriodIsRefused()
    {
        var error = await FailsWith(StatusCode.InvalidArgument, async () =>
            await _vms.StopAsync(new StopRequest { Namespace = "default", Name = "any", GracePeriodSeconds = -1 }));

        Assert.Contains(Violations(error), v => v.Field == "gracePeriodSeconds");
    }

    private static void Break(CreateRequest request, string why)
    {
        var spec = request.Spec;
        switch (why)
        {
            case "memory 0": spec.Memory = "0"; break;
            case "memory 15Mi": spec.Memory = "15Mi"; break;
            case "memory 2Ti": spec.Memory = "2Ti"; break;
            case "memory 12Zi": spec.Memory = "12Zi"; break;
            case "cores 0": spec.Cpu.Cores = 0; break;
            case "cores 513": spec.Cpu.Cores = 513; break;
            case "run strategy Sometimes": spec.RunStrategy = "Sometimes"; break;
            case "duplicate disk": spec.Disks.Add(new Disk { Name = "root", EmptyDisk = new EmptyDisk { Capacity = "1Gi" } }); break;
            case "duplicate interface": spec.Interfaces.Add(new Interface { Name = "default" }); break;
            case "image ../etc/passwd": spec.Disks[0].Image.Path = "../etc/passwd"; break;
            case "image /etc/passwd": spec.Disks[0].Image.Path = "/etc/passwd"; break;
            case "disk without source": spec.Disks[0] = new Disk { Name = "root" }; break;
            default: throw new ArgumentException($"no breakage named '{why}'", nameof(why));
        }
    }
}
