namespace Orvirt.Silo.Security;

/// <summary>What a bearer token may do with the API.</summary>
public enum TokenRole
{
    /// <summary>Read only: Get, List, Watch and the node list.</summary>
    Viewer = 0,

    /// <summary>Everything, including create, update, delete and the lifecycle calls.</summary>
    Admin = 1,
}
