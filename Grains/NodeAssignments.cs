using Orvirt.Interfaces;
using Orleans.Storage;

namespace Orvirt.Grains;

/// <summary>
/// The capacity reservations of one node grain, stored apart from the node's own state in <see cref="BucketCount"/>
/// buckets by a stable hash of the VM key (grain states <c>node-assignments-0</c> to <c>-63</c> of the node grain), so
/// that a reservation or release writes about 1/<see cref="BucketCount"/> of the node's assignments instead of all of
/// them. Writes of one bucket go through its own <see cref="CoalescingStateWriter"/>. Not thread-safe: used from the
/// grain's turns only, and every change is made before the caller's first await.
/// </summary>
public sealed class NodeAssignments
{
    /// <summary>How many buckets a node's assignments are spread over; stored buckets are found by this number, so it is a constant.</summary>
    public const int BucketCount = 64;
    private const string StatePrefix = "node-assignments-";
    private readonly IGrainStorage _storage;
    private readonly GrainId _grainId;
    private readonly GrainState<NodeAssignmentBucket>[] _buckets;
    private readonly CoalescingStateWriter[] _writers;
    private NodeResources _allocated = NodeResources.Zero;

    /// <summary>Binds the buckets of grain <paramref name="grainId"/> in <paramref name="storage"/>; <see cref="LoadAsync"/> reads them.</summary>
    public NodeAssignments(IGrainStorage storage, GrainId grainId)
    {
        _storage = storage;
        _grainId = grainId;
        _buckets = [.. Enumerable.Range(0, BucketCount).Select(_ => new GrainState<NodeAssignmentBucket>(new NodeAssignmentBucket()))];
        _writers = [.. Enumerable.Range(0, BucketCount).Select(i => new CoalescingStateWriter(() => _storage.WriteStateAsync(StateName(i), _grainId, _buckets[i])))];
    }

    /// <summary>How many VMs hold a reservation.</summary>
    public int Count { get; private set; }

    /// <summary>The sum of every reservation.</summary>
    public NodeResources Allocated => _allocated;

    /// <summary>Every VM key holding a reservation.</summary>
    public IEnumerable<string> Keys => Enumerable.Range(0, BucketCount).SelectMany(i => B(i).Assignments.Keys);

    /// <summary>Reads every bucket.</summary>
    public async Task LoadAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, BucketCount).Select(i => _storage.ReadStateAsync(StateName(i), _grainId, _buckets[i])));
        Count = Enumerable.Range(0, BucketCount).Sum(i => B(i).Assignments.Count);
        _allocated = Enumerable.Range(0, BucketCount).SelectMany(i => B(i).Assignments.Values).Aggregate(NodeResources.Zero, (sum, r) => sum.Add(r));
    }

    /// <summary>True when <paramref name="key"/> holds a reservation.</summary>
    public bool Contains(string key) => Bucket(key).Assignments.ContainsKey(key);

    /// <summary>Records a reservation in memory (or replaces one); <see cref="WriteAsync"/> stores it.</summary>
    public void Set(string key, NodeResources need)
    {
        var assignments = Bucket(key).Assignments;
        if (assignments.Remove(key, out var previous))
        {
            _allocated = _allocated.Subtract(previous);
            Count--;
        }
        assignments[key] = need;
        _allocated = _allocated.Add(need);
        Count++;
    }

    /// <summary>Forgets a reservation in memory; false when there was none. <see cref="WriteAsync"/> stores it.</summary>
    public bool Remove(string key)
    {
        if (!Bucket(key).Assignments.Remove(key, out var held))
        {
            return false;
        }
        _allocated = _allocated.Subtract(held);
        Count--;
        return true;
    }

    /// <summary>Stores the bucket of <paramref name="key"/>; returns once a write holding the caller's change is stored.</summary>
    public Task WriteAsync(string key) => _writers[BucketOf(key)].WriteAsync();

    /// <summary>Forgets every reservation in memory; returns the buckets that held any, for <see cref="WriteBucketsAsync"/>.</summary>
    public List<int> Forget()
    {
        var held = Enumerable.Range(0, BucketCount).Where(i => B(i).Assignments.Count > 0).ToList();
        foreach (var i in held)
        {
            B(i).Assignments.Clear();
        }
        Count = 0;
        _allocated = NodeResources.Zero;
        return held;
    }

    /// <summary>Stores the buckets numbered in <paramref name="buckets"/>.</summary>
    public Task WriteBucketsAsync(IEnumerable<int> buckets) => Task.WhenAll(buckets.Select(i => _writers[i].WriteAsync()));

    /// <summary>Records many reservations and stores every bucket they fall into (moving assignments kept in the node's state by earlier versions).</summary>
    public async Task SetManyAsync(IReadOnlyDictionary<string, NodeResources> assignments)
    {
        foreach (var (key, need) in assignments)
        {
            Set(key, need);
        }
        await Task.WhenAll(assignments.Keys.Select(BucketOf).Distinct().Select(i => _writers[i].WriteAsync()));
    }

    private NodeAssignmentBucket Bucket(string key) => B(BucketOf(key));

    /// <summary>Bucket <paramref name="i"/>'s state; a storage that found no record may leave it null.</summary>
    private NodeAssignmentBucket B(int i) => _buckets[i].State ??= new NodeAssignmentBucket();

    private static string StateName(int bucket) => StatePrefix + bucket.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>FNV-1a over the UTF-16 code units of the key, modulo <see cref="BucketCount"/>.</summary>
    private static int BucketOf(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % BucketCount);
    }
}
