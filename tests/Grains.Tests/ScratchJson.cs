using System.Collections.Immutable;
using Orvirt.Interfaces;

namespace Orvirt.Grains.Tests;

public sealed class ScratchJson
{
    [Fact]
    public void RoundTrip()
    {
        var settings = new Newtonsoft.Json.JsonSerializerSettings { TypeNameHandling = Newtonsoft.Json.TypeNameHandling.All };
        var s = new NodeState
        {
            Registration = new NodeRegistration { Name = "x", Labels = ImmutableDictionary<string, string>.Empty.Add("a", "b"), Allocatable = new NodeResources { Vcpus = 1 } },
            Assignments = { ["a/b"] = new NodeResources { Vcpus = 1 } },
            PendingNodeLost = { ["a/c"] = 2 },
        };
        var json = Newtonsoft.Json.JsonConvert.SerializeObject(s, settings);
        try
        {
            Newtonsoft.Json.JsonConvert.DeserializeObject<NodeState>(json, settings);
        }
        catch (Exception e)
        {
            throw new Exception(json + " :: " + e.Message, e);
        }
    }
}
