// Keeps the driver libraries non-empty while folders are being filled in.
namespace inferpi {
int storage_anchor = 0;
}
