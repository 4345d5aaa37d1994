namespace Orvirt.NodeAgent.Libvirt;

/// <summary>The libvirt error codes (<c>virErrorNumber</c>) this agent acts on; others keep their number.</summary>
public enum LibvirtErrorCode
{
    Ok = 0,
    InternalError = 1,
    NoSupport = 3,
    NoConnect = 5,
    InvalidConnection = 6,
    InvalidDomain = 7,
    InvalidArgument = 8,
    OperationFailed = 9,
    XmlError = 27,
    DomainExists = 28,
    OperationDenied = 29,
    SystemError = 38,
    Rpc = 39,
    NoDomain = 42,
    OperationInvalid = 55,
    XmlDetail = 35,
    OperationTimeout = 68,
    AgentUnresponsive = 86,
}
