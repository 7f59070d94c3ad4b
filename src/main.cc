// hookbridge: the process is the application object (app/application.h); main
// hands it the command line and the environment, and returns its exit status.
#include <string>
#include <vector>

#include "hookbridge/app/application.h"

int main(int argc, char** argv) {
  return hookbridge::RunProcess(std::vector<std::string>(argv + 1, argv + argc),
                                hookbridge::ProcessEnvironment());
}
