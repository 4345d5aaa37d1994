// Each test class starts its own silo (and agent or browser); on a 2-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
