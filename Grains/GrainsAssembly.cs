namespace Orvirt.Grains;
