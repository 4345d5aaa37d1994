// Each test starts its own silo (and QEMU VMs); on a 2-core machine they run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
